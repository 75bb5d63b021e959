//! The Entrata side: the provider's normalized REST API (`client`, `pager`, `wire`) and Entrata's
//! own API (`entrata_api`), and the conversion of their items into domain items (`convert`).
//!
//! Architecture invariant: only this module knows Entrata's JSON.

pub mod client;
pub mod convert;
pub mod entrata_api;
pub mod pager;
pub mod totp;
pub mod transport;
pub mod wire;

use crate::config::{Config, ConfigError};
use crate::http::{Pause, RetryPolicy};

/// The source `[source] kind` names, with its client.
pub enum Source {
    /// `kind = "rest"`: the integration provider's normalized REST API.
    Rest(client::EntrataClient),
    /// `kind = "entrata"`: Entrata's own API.
    Api(entrata_api::client::ApiClient),
}

#[derive(Debug, thiserror::Error)]
pub enum SourceSetupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Source(#[from] client::SourceError),
}

impl Source {
    /// The client for the configured source, its credentials read from the environment.
    pub fn from_config(config: &Config) -> Result<Source, SourceSetupError> {
        Ok(match &config.source.api {
            None => Source::Rest(client::EntrataClient::new(&config.source, config.entrata_credentials()?)?),
            Some(_) => Source::Api(entrata_api::client::ApiClient::new(
                &config.source,
                config.entrata_api_credentials()?,
            )?),
        })
    }

    pub fn stats(&self) -> client::StatsSnapshot {
        match self {
            Source::Rest(c) => c.stats(),
            Source::Api(c) => c.stats(),
        }
    }

    pub fn with_pause(self, pause: Pause) -> Source {
        match self {
            Source::Rest(c) => Source::Rest(c.with_pause(pause)),
            Source::Api(c) => Source::Api(c.with_pause(pause)),
        }
    }

    pub fn with_retry_policy(self, retry: RetryPolicy) -> Source {
        match self {
            Source::Rest(c) => Source::Rest(c.with_retry_policy(retry)),
            Source::Api(c) => Source::Api(c.with_retry_policy(retry)),
        }
    }
}

impl From<client::EntrataClient> for Source {
    fn from(client: client::EntrataClient) -> Source {
        Source::Rest(client)
    }
}
