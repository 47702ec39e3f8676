//! When an operation must end: the operation timeout, counted from the
//! moment the call starts, so that it covers every wait of the call — for
//! the project id, for credentials, for each attempt and between them.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{Error, Peer, TimeoutError, TimeoutKind};

/// The end of an operation, if it has one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    /// When it is reached, and the limit it came from.
    end: Option<(Instant, Duration)>,
}

impl Deadline {
    /// `limit` from now; `None` (or a limit too far to count): no end.
    pub(crate) fn after(limit: Option<Duration>) -> Self {
        Self {
            end: limit.and_then(|limit| Some((Instant::now().checked_add(limit)?, limit))),
        }
    }

    /// No end: for work that bounds itself.
    pub(crate) const fn none() -> Self {
        Self { end: None }
    }

    /// The instant it is reached.
    pub(crate) fn at(&self) -> Option<Instant> {
        self.end.map(|(at, _)| at)
    }

    /// The time left, if there is an end.
    pub(crate) fn left(&self) -> Option<Duration> {
        self.at()
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    /// Whether a wait of `wait` from now ends before the deadline.
    pub(crate) fn allows(&self, wait: Duration) -> bool {
        self.at().is_none_or(|at| {
            Instant::now()
                .checked_add(wait)
                .is_some_and(|resumed| resumed < at)
        })
    }

    /// The error of an operation that reached its deadline waiting for
    /// `peer` (`None`: for credentials of a provider).
    pub(crate) fn expired(&self, peer: Option<&Peer>) -> Error {
        let limit = self.end.map_or(Duration::ZERO, |(_, limit)| limit);
        TimeoutError::waiting(TimeoutKind::Operation, limit, false, peer.cloned()).into()
    }

    /// The error of an operation that reached its deadline while `peer` had
    /// a request of it unanswered.
    pub(crate) fn expired_waiting_for_answer(&self, peer: &Peer) -> Error {
        let limit = self.end.map_or(Duration::ZERO, |(_, limit)| limit);
        TimeoutError::new(TimeoutKind::Operation, limit, false, peer)
            .unanswered()
            .into()
    }

    /// `work`'s outcome, or the deadline's error if it comes first.
    pub(crate) async fn run<T>(
        &self,
        peer: Option<&Peer>,
        work: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        match self.at() {
            None => work.await,
            Some(at) => match tokio::time::timeout_at(at, work).await {
                Ok(outcome) => outcome,
                Err(_) => Err(self.expired(peer)),
            },
        }
    }
}
