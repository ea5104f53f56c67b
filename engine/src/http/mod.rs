//! The HTTP side: hyper serves clients, reqwest calls backends.

pub mod allow_list;
pub mod client;
mod destination;
mod failure;
pub mod management;
pub mod server;
pub mod streamed;
