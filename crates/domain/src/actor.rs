//! Who did something: a person, an API credential app or an OAuth connection. Every draft,
//! posting and activity row records one.

use crate::ids::{AppId, ConnectionId, UserId};
use serde::{Deserialize, Serialize};

/// The author of an action.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// A person signed in to the workspace (or using the CLI on their behalf).
    User(UserId),
    /// An API credential app.
    App(AppId),
    /// An OAuth connection.
    Connection(ConnectionId),
    /// The system itself (CLI operators, background jobs).
    System,
}

impl Actor {
    /// The stored kind: `user`, `app`, `connection` or `system`.
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::User(_) => "user",
            Actor::App(_) => "app",
            Actor::Connection(_) => "connection",
            Actor::System => "system",
        }
    }

    /// The stored id (empty for the system).
    pub fn id(&self) -> &str {
        match self {
            Actor::User(id) => id.as_str(),
            Actor::App(id) => id.as_str(),
            Actor::Connection(id) => id.as_str(),
            Actor::System => "",
        }
    }

    /// Rebuilds an actor from its stored kind and id.
    pub fn from_parts(kind: &str, id: &str) -> Result<Self, crate::DomainError> {
        Ok(match kind {
            "user" => Actor::User(UserId::parse(id)?),
            "app" => Actor::App(AppId::parse(id)?),
            "connection" => Actor::Connection(ConnectionId::parse(id)?),
            "system" => Actor::System,
            other => {
                return Err(crate::DomainError::invalid(
                    "actor",
                    format!("unknown kind {other}"),
                ));
            }
        })
    }

    /// True when the actor is a program (app or connection) rather than a person.
    pub fn is_program(&self) -> bool {
        matches!(self, Actor::App(_) | Actor::Connection(_))
    }
}
