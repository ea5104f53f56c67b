//! What the engine knows how to build: mediator factories by tag, connectors by name.
//!
//! Registration is explicit and happens before any traffic; the built [`Registry`] is then
//! immutable and shared.
//!
//! ```
//! use oxynapse_engine::Registry;
//! let registry = Registry::builder().builtin_mediators().build();
//! assert!(registry.mediator_factory("property").is_some());
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::connector::Connector;
use crate::mediators::{self, MediatorFactory};

pub struct Registry {
    mediators: BTreeMap<&'static str, Box<dyn MediatorFactory>>,
    connectors: BTreeMap<&'static str, Arc<dyn Connector>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("mediators", &self.mediators.keys().collect::<Vec<_>>())
            .field("connectors", &self.connectors.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Registry {
    pub fn builder() -> RegistryBuilder {
        RegistryBuilder {
            registry: Registry {
                mediators: BTreeMap::new(),
                connectors: BTreeMap::new(),
            },
        }
    }

    pub fn mediator_factory(&self, tag: &str) -> Option<&dyn MediatorFactory> {
        self.mediators.get(tag).map(|f| f.as_ref())
    }

    pub fn mediator_tags(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.mediators.keys().copied()
    }

    pub fn connector(&self, name: &str) -> Option<&Arc<dyn Connector>> {
        self.connectors.get(name)
    }

    pub fn connector_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.connectors.keys().copied()
    }
}

pub struct RegistryBuilder {
    registry: Registry,
}

impl RegistryBuilder {
    /// Registers every mediator that ships with the engine.
    pub fn builtin_mediators(mut self) -> Self {
        for factory in mediators::builtin_factories() {
            self = self.mediator(factory);
        }
        self
    }

    /// Registers a mediator factory; a later factory for the same tag replaces an earlier one.
    pub fn mediator(mut self, factory: Box<dyn MediatorFactory>) -> Self {
        self.registry.mediators.insert(factory.tag(), factory);
        self
    }

    /// Registers a connector under its [`Connector::name`].
    pub fn connector(mut self, connector: impl Connector) -> Self {
        self.registry
            .connectors
            .insert(connector.name(), Arc::new(connector));
        self
    }

    pub fn build(self) -> Registry {
        self.registry
    }
}

/// Synapse mediators oxynapse recognises but does not run: the error to report for them,
/// which is more useful than "unknown mediator".
pub fn unsupported_message(tag: &str) -> Option<String> {
    const NO_JVM: &str = "is not supported: oxynapse does not run Java or script mediators";
    const LATER: &str = "is not supported yet";
    let why = match tag {
        "script" | "class" | "spring" | "bean" | "ejb" | "pojoCommand" | "command" => NO_JVM,
        "xslt" | "xquery" | "fastXSLT" | "dblookup" | "dbreport" | "callout" | "store"
        | "throttle" | "cache" | "validate" | "smooks" | "datamapper" | "jsontransform"
        | "rule" | "entitlementService" | "oauthService" | "event" | "transaction" | "builder"
        | "conditionalRouter" | "variable" | "scatter-gather" | "router" | "enqueue"
        | "publishEvent" | "bam" | "ntlm" | "dataServiceCall" | "eventPublisher" => LATER,
        _ => return None,
    };
    Some(format!("<{tag}> {why}"))
}
