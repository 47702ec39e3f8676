//! Credentials that change over time: a [`ProvideCredentials`] fetches
//! them, and the client keeps them in a cache that every request of the
//! client shares, refreshed ahead of their expiry by one task — the design
//! of the AWS SDK for Rust's credential providers and identity cache.
//!
//! The hot path takes a read lock for the time of an `Arc` clone and holds
//! no lock across an await; only a request that finds no usable credentials
//! waits, for the one fetch in flight (a [`SingleFlight`]), and at most
//! until its deadline. A failed fetch is remembered for
//! [`LOOKUP_FAILURE_MEMORY`](crate::LOOKUP_FAILURE_MEMORY); keys that have
//! expired, or expire within [`EXPIRY_MARGIN`], are such a failure, never
//! a signature.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use futures_util::future::BoxFuture;

use super::Credentials;
use crate::deadline::Deadline;
use crate::error::{ConfigError, Error, Peer, TimeoutError, TimeoutKind};
use crate::lookup::SingleFlight;

/// Fetches credentials that may expire, such as the temporary keys of the
/// ECS metadata service ([`EcsMetadata`](super::EcsMetadata)).
///
/// A client asks its provider only when its cache holds nothing usable, or
/// when the credentials it holds are about to expire; see
/// [`ClientBuilder::credentials_provider`](crate::ClientBuilder::credentials_provider).
pub trait ProvideCredentials: fmt::Debug + Send + Sync + 'static {
    /// The current credentials and when they stop working.
    fn provide(&self) -> BoxFuture<'_, Result<ProvidedCredentials, Error>>;

    /// The service asked, named in the errors of the cache (a deadline
    /// reached while waiting for it, keys that have expired). Default:
    /// none (the errors say "the credentials provider").
    fn peer(&self) -> Option<Peer> {
        None
    }
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

/// Where the credentials of each request come from.
#[derive(Debug, Clone)]
pub(crate) enum CredentialSource {
    /// The same credentials for every request.
    Fixed(Arc<Credentials>),
    /// A provider's, cached and refreshed ahead of their expiry.
    Provided(Arc<CredentialsCache>),
}

impl CredentialSource {
    /// The credentials to authenticate a request with now, waiting for a
    /// provider's at most until `deadline`.
    pub(crate) async fn current(&self, deadline: &Deadline) -> Result<Arc<Credentials>, Error> {
        match self {
            CredentialSource::Fixed(credentials) => Ok(Arc::clone(credentials)),
            CredentialSource::Provided(cache) => cache.current(deadline).await,
        }
    }
}

/// Credentials closer than this to their expiry are not used: a request
/// signed with them could arrive after it.
pub(crate) const EXPIRY_MARGIN: Duration = Duration::from_secs(15);

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
    /// The provider's service, for errors.
    peer: Option<Peer>,
    current: RwLock<Option<Entry>>,
    fetching: SingleFlight<Arc<Credentials>>,
    refresh_ahead: Duration,
    /// The longest a fetch may take.
    fetch_timeout: Duration,
    clock: Clock,
}

impl fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsCache")
            .field("provider", &self.provider)
            .field("refresh_ahead", &self.refresh_ahead)
            .field("fetch_timeout", &self.fetch_timeout)
            .finish_non_exhaustive()
    }
}

impl CredentialsCache {
    pub(crate) fn new(
        provider: Arc<dyn ProvideCredentials>,
        refresh_ahead: Duration,
        fetch_timeout: Duration,
        clock: Clock,
    ) -> Self {
        Self {
            peer: provider.peer(),
            provider,
            current: RwLock::new(None),
            fetching: SingleFlight::default(),
            refresh_ahead,
            fetch_timeout,
            clock,
        }
    }

    fn entry(&self) -> Option<Entry> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The credentials held, if they can sign now.
    fn usable(&self) -> Option<Arc<Credentials>> {
        self.entry()
            .filter(|entry| usable(entry.expires_at, (self.clock)()))
            .map(|entry| entry.credentials)
    }

    /// The credentials to sign with now, waiting for them at most until
    /// `deadline`.
    pub(crate) async fn current(
        self: &Arc<Self>,
        deadline: &Deadline,
    ) -> Result<Arc<Credentials>, Error> {
        let now = (self.clock)();
        if let Some(entry) = self.entry()
            && usable(entry.expires_at, now)
        {
            if entry.refresh_at.is_some_and(|at| now >= at) {
                self.fetching.start(|| self.fetch());
            }
            return Ok(entry.credentials);
        }
        // Nothing usable: wait for the one fetch in flight, or make it.
        Box::pin(self.fetching.get(
            || self.usable(),
            || self.fetch(),
            deadline,
            self.peer.as_ref(),
        ))
        .await
    }

    /// Asks the provider, within the fetch timeout, and keeps what it gives
    /// if it can sign.
    fn fetch(
        self: &Arc<Self>,
    ) -> impl std::future::Future<Output = Result<Arc<Credentials>, Error>> + Send + 'static {
        let cache = Arc::clone(self);
        async move {
            let provided = tokio::time::timeout(cache.fetch_timeout, cache.provider.provide())
                .await
                .unwrap_or_else(|_| {
                    Err(TimeoutError::waiting(
                        TimeoutKind::Attempt,
                        cache.fetch_timeout,
                        false,
                        cache.peer.clone(),
                    )
                    .into())
                })
                .and_then(|provided| cache.check(provided));
            match provided {
                Ok(provided) => Ok(cache.store(provided)),
                Err(error) => {
                    if cache.usable().is_some() {
                        tracing::warn!(
                            error = %error,
                            "refreshing credentials failed; the current ones serve until they expire"
                        );
                    }
                    cache.postpone();
                    Err(error)
                }
            }
        }
    }

    /// `provided`, unless they expire too soon to sign with.
    fn check(&self, provided: ProvidedCredentials) -> Result<ProvidedCredentials, Error> {
        let Some(expires_at) = provided.expires_at else {
            return Ok(provided);
        };
        if usable(Some(expires_at), (self.clock)()) {
            return Ok(provided);
        }
        let at = crate::date::Civil::from_system(expires_at)
            .map_or_else(|| "a time out of range".to_owned(), |at| at.iso());
        let problem = format!(
            "gave keys that expire at {at}, already or within {} s: they cannot sign",
            EXPIRY_MARGIN.as_secs()
        );
        let error = match &self.peer {
            Some(peer) => ConfigError::of(peer, "expires_at", problem),
            None => ConfigError::new("credentials provider", "expires_at", problem),
        };
        Err(error.into())
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

/// Whether credentials expiring at `expires_at` can sign at `now`.
fn usable(expires_at: Option<SystemTime>, now: SystemTime) -> bool {
    expires_at.is_none_or(|expires| {
        now.checked_add(EXPIRY_MARGIN)
            .is_some_and(|margin| margin < expires)
    })
}
