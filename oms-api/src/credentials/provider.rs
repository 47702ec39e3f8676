//! Credentials that change over time: a [`ProvideCredentials`] fetches
//! them, and the client keeps them in a cache that every request of the
//! client shares, refreshed ahead of their expiry by one task — the design
//! of the AWS SDK for Rust's credential providers and identity cache.
//!
//! The hot path takes a read lock for the time of an `Arc` clone and holds
//! no lock across an await; only a request that finds no usable credentials
//! waits, and then for the single fetch in flight.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;

use super::Credentials;
use crate::error::Error;

/// Fetches credentials that may expire, such as the temporary keys of the
/// ECS metadata service ([`EcsMetadata`](super::EcsMetadata)).
///
/// A client asks its provider only when its cache holds nothing usable, or
/// when the credentials it holds are about to expire; see
/// [`ClientBuilder::credentials_provider`](crate::ClientBuilder::credentials_provider).
pub trait ProvideCredentials: fmt::Debug + Send + Sync + 'static {
    /// The current credentials and when they stop working.
    fn provide(&self) -> BoxFuture<'_, Result<ProvidedCredentials, Error>>;
}

/// Credentials as a provider gives them: `Debug` shows the access key and
/// the expiry, never a secret.
#[derive(Debug, Clone)]
pub struct ProvidedCredentials {
    /// The credentials.
    pub credentials: Credentials,
    /// When they stop working; `None`: never.
    pub expires_at: Option<SystemTime>,
}

/// How long before their expiry the cache gets new credentials, by default.
/// Huawei Cloud's metadata service hands out new temporary keys 10 minutes
/// before the old ones expire; asking 5 minutes before gets the new ones.
pub const DEFAULT_REFRESH_AHEAD: Duration = Duration::from_secs(5 * 60);

/// Credentials closer than this to their expiry are not used: a request
/// signed with them could arrive after it.
const EXPIRY_MARGIN: Duration = Duration::from_secs(15);

/// How long the cache waits before asking again when a refresh failed or
/// brought the same credentials.
const RETRY_REFRESH: Duration = Duration::from_secs(10);

/// The time, for expiry decisions; the system clock unless a test
/// simulates one.
pub(crate) type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// What the cache holds.
#[derive(Clone)]
struct Entry {
    credentials: Arc<Credentials>,
    expires_at: Option<SystemTime>,
    /// When to fetch new ones, in the background.
    refresh_at: Option<SystemTime>,
}

/// The credentials every request of a client shares.
pub(crate) struct CredentialsCache {
    provider: Arc<dyn ProvideCredentials>,
    current: RwLock<Option<Entry>>,
    /// Held by the one task fetching credentials.
    fetching: Arc<tokio::sync::Mutex<()>>,
    refresh_ahead: Duration,
    clock: Clock,
}

impl fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsCache")
            .field("provider", &self.provider)
            .field("refresh_ahead", &self.refresh_ahead)
            .finish_non_exhaustive()
    }
}

impl CredentialsCache {
    pub(crate) fn new(
        provider: Arc<dyn ProvideCredentials>,
        refresh_ahead: Duration,
        clock: Clock,
    ) -> Self {
        Self {
            provider,
            current: RwLock::new(None),
            fetching: Arc::new(tokio::sync::Mutex::new(())),
            refresh_ahead,
            clock,
        }
    }

    fn entry(&self) -> Option<Entry> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn usable(&self, entry: &Entry, now: SystemTime) -> bool {
        entry
            .expires_at
            .is_none_or(|expires| now + EXPIRY_MARGIN < expires)
    }

    /// The credentials to sign with now.
    pub(crate) async fn current(self: &Arc<Self>) -> Result<Arc<Credentials>, Error> {
        let now = (self.clock)();
        if let Some(entry) = self.entry()
            && self.usable(&entry, now)
        {
            if entry.refresh_at.is_some_and(|at| now >= at) {
                self.refresh_in_background();
            }
            return Ok(entry.credentials);
        }
        // Nothing usable: wait for the one fetch in flight, or make it.
        let _fetching = self.fetching.lock().await;
        if let Some(entry) = self.entry()
            && self.usable(&entry, (self.clock)())
        {
            return Ok(entry.credentials);
        }
        let provided = self.provider.provide().await?;
        Ok(self.store(provided))
    }

    /// Starts one task that fetches new credentials, unless one runs.
    fn refresh_in_background(self: &Arc<Self>) {
        let Ok(fetching) = Arc::clone(&self.fetching).try_lock_owned() else {
            return;
        };
        let cache = Arc::clone(self);
        tokio::spawn(async move {
            let _fetching = fetching;
            match cache.provider.provide().await {
                Ok(provided) => {
                    cache.store(provided);
                }
                Err(error) => {
                    tracing::warn!(
                        error = %error,
                        "refreshing credentials failed; the current ones serve until they expire"
                    );
                    cache.postpone();
                }
            }
        });
    }

    /// Keeps `provided`; when they expire no later than the ones held (the
    /// source has not rotated them yet), asks again a little later.
    fn store(&self, provided: ProvidedCredentials) -> Arc<Credentials> {
        let now = (self.clock)();
        let mut current = self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let same = current
            .as_ref()
            .is_some_and(|entry| entry.expires_at >= provided.expires_at);
        let refresh_at = provided.expires_at.map(|expires| {
            let ahead = expires
                .checked_sub(self.refresh_ahead)
                .unwrap_or(SystemTime::UNIX_EPOCH);
            if same || ahead <= now {
                (now + RETRY_REFRESH).min(expires)
            } else {
                ahead
            }
        });
        let credentials = Arc::new(provided.credentials);
        *current = Some(Entry {
            credentials: Arc::clone(&credentials),
            expires_at: provided.expires_at,
            refresh_at,
        });
        credentials
    }

    /// After a failed refresh: try again a little later.
    fn postpone(&self) {
        let now = (self.clock)();
        if let Some(entry) = self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .as_mut()
        {
            entry.refresh_at = Some(now + RETRY_REFRESH);
        }
    }
}
