//! A value every call of a client shares and one fetch provides — the
//! project id IAM names, the temporary keys of the metadata service.
//!
//! However many calls need it at once, one fetch is in flight; every caller
//! waiting gets its outcome, success or failure. A failure is remembered
//! for [`LOOKUP_FAILURE_MEMORY`]: callers in that window get it at once,
//! so that a fleet of calls does not hammer a failing service; the first
//! caller after it starts a new fetch. The fetch runs in a task of its own,
//! so that a caller giving up (its deadline reached, its future dropped)
//! neither cancels it for the others nor leaves it half done; each caller
//! waits only until its own deadline. A fetch must bound its own time.
//!
//! Where the value is kept is the owner's business (a project id for good,
//! keys until they expire): a fetch stores what it got before its outcome
//! is published, and `recheck` reads it under the same lock that starts a
//! fetch, so that no caller starts one just after another succeeded.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::deadline::Deadline;
use crate::error::{ConfigError, Error, Peer};

/// How long a failed lookup (of the project id from IAM, of keys from the
/// ECS metadata service or another credentials provider) is remembered:
/// the calls of the next second get the same error at once, without asking
/// again; the first call after it asks again.
pub const LOOKUP_FAILURE_MEMORY: Duration = Duration::from_secs(1);

/// One outcome, published to every waiting caller.
type Outcome<T> = Option<Result<T, Error>>;

/// A lookup shared by every call of a client (see the module's
/// documentation).
pub(crate) struct SingleFlight<T> {
    state: Arc<Mutex<State<T>>>,
}

struct State<T> {
    /// The fetch in flight: its outcome, once there is one.
    running: Option<watch::Receiver<Outcome<T>>>,
    /// The last failure, and until when it stands.
    failed: Option<(Error, Instant)>,
}

impl<T> Default for SingleFlight<T> {
    fn default() -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                running: None,
                failed: None,
            })),
        }
    }
}

fn lock<T>(state: &Mutex<State<T>>) -> MutexGuard<'_, State<T>> {
    // The state is consistent between statements: a panic elsewhere
    // leaves it usable.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<T: Clone + Send + Sync + 'static> SingleFlight<T> {
    /// The value `recheck` finds, else the outcome of the fetch in flight,
    /// else a remembered failure, else the outcome of a new fetch made by
    /// `fetch` — waiting at most until `deadline`, whose error then names
    /// `peer` (the service asked).
    pub(crate) async fn get<Fut>(
        &self,
        recheck: impl FnOnce() -> Option<T>,
        fetch: impl FnOnce() -> Fut,
        deadline: &Deadline,
        peer: Option<&Peer>,
    ) -> Result<T, Error>
    where
        Fut: Future<Output = Result<T, Error>> + Send + 'static,
    {
        let mut outcome = {
            let mut state = lock(&self.state);
            if let Some(value) = recheck() {
                return Ok(value);
            }
            match &state.running {
                Some(running) => running.clone(),
                None => {
                    if let Some((error, until)) = &state.failed {
                        if Instant::now() < *until {
                            return Err(error.clone());
                        }
                        state.failed = None;
                    }
                    self.spawn(&mut state, fetch())
                }
            }
        };
        deadline
            .run(peer, async {
                match outcome.wait_for(Option::is_some).await {
                    Ok(outcome) => outcome.clone().expect("waited for an outcome"),
                    Err(_) => Err(ended_without_outcome(peer)),
                }
            })
            .await
    }

    /// Starts a fetch made by `fetch` unless one is in flight or a failure
    /// stands, without waiting for it (a refresh ahead of need).
    pub(crate) fn start<Fut>(&self, fetch: impl FnOnce() -> Fut)
    where
        Fut: Future<Output = Result<T, Error>> + Send + 'static,
    {
        let mut state = lock(&self.state);
        let failing = state
            .failed
            .as_ref()
            .is_some_and(|(_, until)| Instant::now() < *until);
        if state.running.is_none() && !failing {
            self.spawn(&mut state, fetch());
        }
    }

    /// Runs `fetch` in a task of its own, which publishes its outcome and
    /// remembers a failure.
    fn spawn(
        &self,
        state: &mut State<T>,
        fetch: impl Future<Output = Result<T, Error>> + Send + 'static,
    ) -> watch::Receiver<Outcome<T>> {
        let (publish, outcome) = watch::channel(None);
        state.running = Some(outcome.clone());
        let landing = Landing {
            state: Arc::clone(&self.state),
            publish: Some(publish),
        };
        tokio::spawn(async move {
            // Should `fetch` panic, dropping `landing` still clears the
            // flight and the waiters see a closed channel.
            let mut landing = landing;
            let result = fetch.await;
            landing.land(result);
        });
        outcome
    }
}

/// Where a fetch's outcome goes.
struct Landing<T> {
    state: Arc<Mutex<State<T>>>,
    publish: Option<watch::Sender<Outcome<T>>>,
}

impl<T: Clone> Landing<T> {
    fn land(&mut self, result: Result<T, Error>) {
        {
            let mut state = lock(&self.state);
            state.running = None;
            if let Err(error) = &result {
                state.failed = Some((error.clone(), Instant::now() + LOOKUP_FAILURE_MEMORY));
            }
        }
        if let Some(publish) = self.publish.take() {
            publish.send_replace(Some(result));
        }
    }
}

impl<T> Drop for Landing<T> {
    fn drop(&mut self) {
        if self.publish.is_some() {
            lock(&self.state).running = None;
        }
    }
}

/// What a caller gets when the fetch it waited for ended without an outcome
/// (it panicked, or the runtime shut down).
fn ended_without_outcome(peer: Option<&Peer>) -> Error {
    let error = match peer {
        Some(peer) => ConfigError::of(peer, "lookup", "ended without an answer"),
        None => ConfigError::new("credentials provider", "lookup", "ended without an answer"),
    };
    error.into()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::error::{Service, TimeoutKind};

    fn peer() -> Peer {
        Peer::new(
            Service::Iam,
            &url::Url::parse("http://iam.example").unwrap(),
        )
    }

    fn failure() -> Error {
        ConfigError::of(&peer(), "projects", "failed").into()
    }

    #[tokio::test]
    async fn one_fetch_for_many_callers_and_its_failure_is_remembered() {
        let flight = Arc::new(SingleFlight::<u32>::default());
        let fetches = Arc::new(AtomicUsize::new(0));
        let call = || {
            let (flight, fetches) = (Arc::clone(&flight), Arc::clone(&fetches));
            async move {
                flight
                    .get(
                        || None,
                        || async move {
                            fetches.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            Err::<u32, _>(failure())
                        },
                        &Deadline::none(),
                        Some(&peer()),
                    )
                    .await
            }
        };
        let outcomes = futures_util::future::join_all((0..300).map(|_| call())).await;
        assert!(outcomes.iter().all(Result::is_err));
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        call().await.unwrap_err();
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "remembered");
        tokio::time::sleep(LOOKUP_FAILURE_MEMORY).await;
        call().await.unwrap_err();
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            2,
            "asked again after the window"
        );
    }

    #[tokio::test]
    async fn a_caller_leaves_at_its_deadline_and_the_fetch_goes_on_for_the_others() {
        let flight = Arc::new(SingleFlight::<u32>::default());
        let slow = || async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok(7)
        };
        let short = Deadline::after(Some(Duration::from_millis(50)));
        let (none, iam) = (Deadline::none(), peer());
        let started = Instant::now();
        let (hurried, patient) = tokio::join!(
            flight.get(|| None, slow, &short, Some(&iam)),
            flight.get(|| None, slow, &none, Some(&iam)),
        );
        let Err(Error::Timeout(timeout)) = hurried else {
            panic!("{hurried:?}")
        };
        assert_eq!(timeout.kind(), TimeoutKind::Operation);
        assert_eq!(timeout.peer(), Some(&peer()));
        assert_eq!(patient.unwrap(), 7);
        assert!(started.elapsed() < Duration::from_millis(600));
    }

    #[tokio::test]
    async fn a_panicking_fetch_ends_every_wait_and_the_next_caller_fetches_again() {
        let flight = SingleFlight::<u32>::default();
        let error = flight
            .get(
                || None,
                || async { panic!("a provider's bug") },
                &Deadline::none(),
                Some(&peer()),
            )
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("ended without an answer"),
            "{error}"
        );
        let value = flight
            .get(|| None, || async { Ok(3) }, &Deadline::none(), None)
            .await;
        assert_eq!(value.unwrap(), 3);
    }

    #[tokio::test]
    async fn a_value_found_by_recheck_starts_no_fetch() {
        let flight = SingleFlight::<u32>::default();
        let value = flight
            .get(
                || Some(1),
                || async { panic!("not fetched") },
                &Deadline::none(),
                None,
            )
            .await;
        assert_eq!(value.unwrap(), 1);
    }
}
