//! Table tests for the XPath evaluator.
