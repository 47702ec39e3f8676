//! Flow control: how a client paces its requests so that OMS's API gateway
//! does not throttle them away, and how many retries it may spend.
//!
//! The gateway limits each API (operation) to a number of requests per
//! second (by default 200) and answers `429 APIGW.0308` beyond it, without
//! passing the request on. A client that throws its calls at the gateway
//! and retries them on a timer spends its attempts in a second and fails
//! most of them. Instead, each operation of a client has a **lane**:
//!
//! * **Until the gateway first throttles the operation**, the lane bounds
//!   the requests in flight with a window (16 at first) that grows by one
//!   with each success that found it full — doubling per round trip, as
//!   TCP's slow start does — so that a fleet of calls starting at once
//!   learns the gateway's limit after a few dozen requests, not a thousand.
//!   A client that is never throttled only counts its requests in flight.
//! * **Once throttled**, the lane sends at a paced rate: calls wait their
//!   turn, in order, for a send slot. The first rate is 90 % of what the
//!   gateway admitted in the second before the `429`; each later `429`
//!   lowers the rate to 90 % of the lower of the rate and what was
//!   admitted — once per rate (the `429`s of requests sent at an earlier
//!   rate change nothing). While calls wait for slots, the rate climbs back
//!   towards where it was throttled (half the gap in about 0.7 s), then
//!   probes above it, slowly at first and faster the longer no `429`
//!   comes — the shape of CUBIC, which the AWS SDKs' adaptive retry mode
//!   uses, with the gateway's admitted rate as the anchor. A `Retry-After`
//!   holds the lane's slots until it has passed.
//!
//! A throttled request was not processed, so it is sent again for every
//! operation, creates included, in its lane's next slot, until its
//! operation deadline; those repeats count as no attempt and spend nothing
//! of the retry budget.
//!
//! **The retry budget** (the AWS SDKs' standard retry quota) protects a
//! struggling service from a fleet's retries: every other retry (a `5xx`,
//! a lost connection, a timeout) spends from one budget shared by the
//! client — 5 tokens, 10 after a timeout, of 500 — and every success
//! returns 1 token, and what its own retries spent. With the budget spent,
//! a failure is returned at once: in an outage each call sends one request.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::deadline::Deadline;
use crate::error::{Error, Peer};

/// How a client paces each operation's requests to the API gateway (see
/// the [`flow`](self) module's documentation). On by default.
///
/// ```
/// use oms_api::{Client, FlowControl};
///
/// let paced = FlowControl::new().initial_window(64).min_rate(1.0);
/// let off = FlowControl::disabled();
/// # let _ = (paced, off);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[must_use]
pub struct FlowControl {
    enabled: bool,
    initial_window: u32,
    min_rate: f64,
}

impl Default for FlowControl {
    fn default() -> Self {
        Self {
            enabled: true,
            initial_window: 16,
            min_rate: 0.5,
        }
    }
}

impl FlowControl {
    /// On, with the defaults: 16 requests in flight per operation at first,
    /// a paced rate of at least 0.5 requests a second once throttled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Off: requests are sent as calls make them, and a `429` is retried
    /// like a `503` ([`RetryConfig`](crate::RetryConfig) attempts, the
    /// retry budget), honouring `Retry-After`.
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }

    /// Requests in flight per operation before the gateway first throttles
    /// it (at least 1; it grows with the successes that find it full).
    /// Default: 16.
    pub fn initial_window(mut self, requests: u32) -> Self {
        self.initial_window = requests.max(1);
        self
    }

    /// The lowest send rate a throttled operation falls to, in requests a
    /// second (at least 0.01). Default: 0.5.
    pub fn min_rate(mut self, per_second: f64) -> Self {
        self.min_rate = if per_second.is_finite() {
            per_second.max(0.01)
        } else {
            0.01
        };
        self
    }

    /// Whether flow control is on.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// In words, for [`Client::describe`](crate::Client::describe).
    pub(crate) fn describe(&self) -> String {
        if !self.enabled {
            return "off: requests are sent as calls make them".to_owned();
        }
        format!(
            "on: up to {} requests in flight per operation until OMS throttles it, then a paced rate per operation (at least {}/s); throttled requests wait for a slot until their deadline",
            self.initial_window, self.min_rate
        )
    }
}

/// How many retries a client may spend (see the [`flow`](self) module's
/// documentation): the AWS SDKs' standard retry quota.
///
/// ```
/// use oms_api::RetryBudget;
///
/// let strict = RetryBudget::new().capacity(100);
/// let none = RetryBudget::unlimited();
/// # let _ = (strict, none);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct RetryBudget {
    capacity: u32,
    retry_cost: u32,
    timeout_cost: u32,
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self {
            capacity: 500,
            retry_cost: 5,
            timeout_cost: 10,
        }
    }
}

impl RetryBudget {
    /// The defaults: 500 tokens; a retry costs 5, a retry after a timeout
    /// 10; a success returns 1.
    pub fn new() -> Self {
        Self::default()
    }

    /// No budget: every retry [`RetryConfig`](crate::RetryConfig) allows
    /// is made.
    pub fn unlimited() -> Self {
        Self {
            capacity: u32::MAX,
            retry_cost: 0,
            timeout_cost: 0,
        }
    }

    /// The tokens the budget holds when full. Default: 500.
    pub fn capacity(mut self, tokens: u32) -> Self {
        self.capacity = tokens;
        self
    }

    /// What a retry costs. Default: 5.
    pub fn retry_cost(mut self, tokens: u32) -> Self {
        self.retry_cost = tokens;
        self
    }

    /// What a retry after a timeout costs. Default: 10.
    pub fn timeout_cost(mut self, tokens: u32) -> Self {
        self.timeout_cost = tokens;
        self
    }

    pub(crate) fn describe(&self) -> String {
        if self.retry_cost == 0 && self.timeout_cost == 0 {
            return "unlimited".to_owned();
        }
        format!(
            "{} tokens; a retry costs {}, after a timeout {}; a success returns 1",
            self.capacity, self.retry_cost, self.timeout_cost
        )
    }
}

/// What a client's calls share: one lane per operation, and the budget.
pub(crate) struct Flow {
    control: FlowControl,
    lanes: Box<[Lane]>,
    budget: RetryBudget,
    tokens: AtomicU32,
}

impl std::fmt::Debug for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flow")
            .field("control", &self.control)
            .field("budget", &self.budget)
            .field("tokens", &self.tokens.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Flow {
    /// For `operations` operations.
    pub(crate) fn new(control: FlowControl, budget: RetryBudget, operations: usize) -> Self {
        let lanes = (0..operations)
            .map(|_| Lane::new(control.initial_window))
            .collect();
        Self {
            control,
            lanes,
            budget,
            tokens: AtomicU32::new(budget.capacity),
        }
    }

    /// The lane of the operation at `index`, when flow control is on.
    pub(crate) fn lane(&self, index: usize) -> Option<&Lane> {
        if self.control.enabled {
            self.lanes.get(index)
        } else {
            None
        }
    }

    pub(crate) fn control(&self) -> &FlowControl {
        &self.control
    }

    pub(crate) fn budget(&self) -> &RetryBudget {
        &self.budget
    }

    /// Takes what a retry costs (`after_timeout`: a timeout's cost) from
    /// the budget; `None` when it holds too little.
    pub(crate) fn spend(&self, after_timeout: bool) -> Option<u32> {
        let cost = if after_timeout {
            self.budget.timeout_cost
        } else {
            self.budget.retry_cost
        };
        if cost == 0 {
            return Some(0);
        }
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tokens| {
                tokens.checked_sub(cost)
            })
            .ok()
            .map(|_| cost)
    }

    /// A call succeeded after spending `spent`: it returns that and 1.
    pub(crate) fn succeeded(&self, spent: u32) {
        let capacity = self.budget.capacity;
        // Full is the usual state: a load, and no write.
        if self.tokens.load(Ordering::Relaxed) >= capacity {
            return;
        }
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tokens| {
                (tokens < capacity).then(|| tokens.saturating_add(spent + 1).min(capacity))
            });
    }

    /// The tokens the budget holds now.
    #[cfg(test)]
    pub(crate) fn tokens(&self) -> u32 {
        self.tokens.load(Ordering::Relaxed)
    }
}

/// How the growth of a throttled lane's rate is shaped.
const DECREASE: f64 = 0.9;
/// The rate climbs back towards its last ceiling with this time constant
/// (seconds): half the gap in about 0.7 s.
const RECOVERY: f64 = 1.0;
/// Above its ceiling, the rate grows by this fraction of it a second, and
/// by as much more for every second spent above it.
const PROBE: f64 = 0.02;
/// The most a `Retry-After` holds a lane.
const MAX_HOLD: Duration = Duration::from_secs(60);
/// The largest window.
const MAX_WINDOW: usize = 1 << 20;

/// One operation's requests.
pub(crate) struct Lane {
    /// Whether the gateway has throttled this operation (then the rate
    /// rules; before, the window).
    engaged: AtomicBool,
    in_flight: AtomicUsize,
    window: AtomicUsize,
    released: Notify,
    /// What the gateway admitted in each of the last ten tenths of a second.
    admitted: Admitted,
    rate: Mutex<Rate>,
    /// Calls waiting for a slot, in order.
    turn: tokio::sync::Mutex<()>,
}

struct Rate {
    /// Requests a second.
    per_second: f64,
    /// The admitted rate when last throttled: where growth slows.
    ceiling: Option<f64>,
    /// Since when the rate is above its ceiling.
    above_since: Option<Instant>,
    last_slot: Option<Instant>,
    hold_until: Option<Instant>,
    /// Counts the rate's decreases: a `429` of a request sent at an older
    /// rate changes nothing.
    epoch: u64,
    grown_at: Instant,
}

/// A request's right to be sent now, and what it learns.
pub(crate) struct Permit<'l> {
    lane: &'l Lane,
    mode: Mode,
}

#[derive(Clone, Copy)]
enum Mode {
    /// Counted in the window; `limited`: the window was full with it.
    Window { limited: bool },
    /// Sent in a slot of the rate's `epoch`; `waited`: calls were waiting
    /// for slots (the rate was what held them).
    Rate { epoch: u64, waited: bool },
    /// Already reported.
    Done,
}

/// What an attempt told of the gateway.
pub(crate) enum Feedback {
    /// The gateway passed the request on (whatever the service answered).
    Admitted,
    /// `429`: throttled, with the `Retry-After` if any.
    Throttled(Option<Duration>),
    /// No answer (a lost connection, a timeout): nothing learnt.
    Unknown,
}

fn lock(rate: &Mutex<Rate>) -> MutexGuard<'_, Rate> {
    rate.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Lane {
    fn new(initial_window: u32) -> Self {
        Self {
            engaged: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            window: AtomicUsize::new(initial_window as usize),
            released: Notify::new(),
            admitted: Admitted::default(),
            rate: Mutex::new(Rate {
                per_second: f64::INFINITY,
                ceiling: None,
                above_since: None,
                last_slot: None,
                hold_until: None,
                epoch: 0,
                grown_at: Instant::now(),
            }),
            turn: tokio::sync::Mutex::new(()),
        }
    }

    /// Waits for the right to send, at most until `deadline` (whose error
    /// then names `peer`).
    pub(crate) async fn acquire(
        &self,
        control: &FlowControl,
        deadline: &Deadline,
        peer: &Peer,
    ) -> Result<Permit<'_>, Error> {
        loop {
            if self.engaged.load(Ordering::Acquire) {
                return self.acquire_slot(control, deadline, peer).await;
            }
            if let Some(limited) = self.try_window() {
                return Ok(Permit {
                    lane: self,
                    mode: Mode::Window { limited },
                });
            }
            let released = self.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            if self.engaged.load(Ordering::Acquire) {
                continue;
            }
            if let Some(limited) = self.try_window() {
                return Ok(Permit {
                    lane: self,
                    mode: Mode::Window { limited },
                });
            }
            deadline
                .run(Some(peer), async {
                    released.await;
                    Ok(())
                })
                .await?;
        }
    }

    /// A place in the window, if there is one; whether it filled it.
    fn try_window(&self) -> Option<bool> {
        let window = self.window.load(Ordering::Relaxed);
        let mut in_flight = self.in_flight.load(Ordering::Relaxed);
        loop {
            if in_flight >= window {
                return None;
            }
            match self.in_flight.compare_exchange_weak(
                in_flight,
                in_flight + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(in_flight + 1 >= window),
                Err(now) => in_flight = now,
            }
        }
    }

    /// Waits, in order, for the next slot of the paced rate.
    async fn acquire_slot(
        &self,
        control: &FlowControl,
        deadline: &Deadline,
        peer: &Peer,
    ) -> Result<Permit<'_>, Error> {
        let turn = deadline
            .run(Some(peer), async { Ok(self.turn.lock().await) })
            .await?;
        let (slot, epoch, waited) = {
            let mut rate = lock(&self.rate);
            let now = Instant::now();
            let per_second = rate.per_second.max(control.min_rate);
            let spacing = Duration::from_secs_f64(1.0 / per_second);
            let mut slot = rate
                .last_slot
                .and_then(|last| last.checked_add(spacing))
                .map_or(now, |next| next.max(now));
            if let Some(hold) = rate.hold_until {
                slot = slot.max(hold);
            }
            if deadline.at().is_some_and(|at| slot >= at) {
                return Err(deadline.expired(Some(peer)));
            }
            rate.last_slot = Some(slot);
            (slot, rate.epoch, slot > now)
        };
        tokio::time::sleep_until(slot).await;
        drop(turn);
        Ok(Permit {
            lane: self,
            mode: Mode::Rate { epoch, waited },
        })
    }

    /// The gateway throttled a request sent in `epoch` (`None`: before the
    /// lane was engaged).
    fn throttled(&self, control: &FlowControl, epoch: Option<u64>, retry_after: Option<Duration>) {
        let now = Instant::now();
        let admitted = self.admitted.last_second(now) as f64;
        let mut rate = lock(&self.rate);
        if let Some(wait) = retry_after {
            let until = now + wait.min(MAX_HOLD);
            rate.hold_until = Some(rate.hold_until.map_or(until, |held| held.max(until)));
        }
        let engaged = self.engaged.load(Ordering::Acquire);
        let current = match (engaged, epoch) {
            (false, _) => true,
            (true, Some(epoch)) => epoch == rate.epoch,
            (true, None) => false,
        };
        if !current {
            return;
        }
        let was = if engaged { rate.per_second } else { admitted };
        let ceiling = if admitted > 0.0 {
            was.min(admitted)
        } else {
            was
        };
        if ceiling > 0.0 && ceiling.is_finite() {
            rate.ceiling = Some(ceiling);
            rate.per_second = (ceiling * DECREASE).max(control.min_rate);
        } else {
            // Nothing was admitted: no anchor; start low and double.
            rate.ceiling = None;
            rate.per_second = control.min_rate.max(1.0);
        }
        rate.above_since = None;
        rate.epoch += 1;
        rate.grown_at = now;
        drop(rate);
        if !engaged {
            tracing::debug!(
                rate = admitted,
                "OMS throttled an operation: its requests are paced from now on"
            );
            self.engaged.store(true, Ordering::Release);
            self.released.notify_waiters();
        }
    }

    /// A request sent while calls waited for slots was admitted: the rate
    /// grows with the time since it last did.
    fn grow(&self) {
        let now = Instant::now();
        let mut rate = lock(&self.rate);
        let dt = now
            .saturating_duration_since(rate.grown_at)
            .min(Duration::from_secs(1))
            .as_secs_f64();
        rate.grown_at = now;
        match rate.ceiling {
            Some(ceiling) if rate.per_second < ceiling => {
                let gap = ceiling - rate.per_second;
                rate.per_second += gap * (1.0 - (-dt / RECOVERY).exp());
                if ceiling - rate.per_second < ceiling * 0.001 {
                    rate.per_second = ceiling;
                }
            }
            Some(ceiling) => {
                let since = *rate.above_since.get_or_insert(now);
                let above = now.saturating_duration_since(since).as_secs_f64();
                rate.per_second += ceiling * PROBE * (1.0 + above) * dt;
            }
            None => rate.per_second *= 2f64.powf(dt),
        }
    }
}

impl Permit<'_> {
    /// Reports what the attempt learnt, and gives the place back.
    pub(crate) fn finish(mut self, control: &FlowControl, feedback: Feedback) {
        let lane = self.lane;
        let mode = std::mem::replace(&mut self.mode, Mode::Done);
        if matches!(feedback, Feedback::Admitted) {
            lane.admitted.count(Instant::now());
        }
        match (mode, &feedback) {
            (Mode::Window { limited }, _) => {
                if limited && matches!(feedback, Feedback::Admitted) {
                    let _ = lane
                        .window
                        .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |w| {
                            (w < MAX_WINDOW).then_some(w + 1)
                        });
                }
                lane.in_flight.fetch_sub(1, Ordering::AcqRel);
                lane.released.notify_one();
                if let Feedback::Throttled(retry_after) = feedback {
                    lane.throttled(control, None, retry_after);
                }
            }
            (Mode::Rate { epoch, .. }, Feedback::Throttled(retry_after)) => {
                lane.throttled(control, Some(epoch), *retry_after);
            }
            (Mode::Rate { waited: true, .. }, Feedback::Admitted) => lane.grow(),
            _ => {}
        }
    }
}

impl Drop for Permit<'_> {
    /// A permit dropped unreported (the call was cancelled) gives its
    /// place back.
    fn drop(&mut self) {
        if let Mode::Window { .. } = self.mode {
            self.lane.in_flight.fetch_sub(1, Ordering::AcqRel);
            self.lane.released.notify_one();
        }
    }
}

/// Counts of admitted requests per tenth of a second, over the last
/// second: ten slots, each holding its tick (tenths since `origin`) in the
/// high bits and its count in the low 24.
struct Admitted {
    origin: Instant,
    slots: [AtomicU64; 10],
}

impl Default for Admitted {
    fn default() -> Self {
        Self {
            origin: Instant::now(),
            slots: Default::default(),
        }
    }
}

const COUNT_BITS: u32 = 24;

impl Admitted {
    fn tick(&self, now: Instant) -> u64 {
        u64::try_from(now.saturating_duration_since(self.origin).as_millis() / 100).unwrap_or(0)
    }

    fn count(&self, now: Instant) {
        let tick = self.tick(now);
        let slot = &self.slots[(tick % 10) as usize];
        let _ = slot.fetch_update(Ordering::AcqRel, Ordering::Relaxed, |held| {
            if held >> COUNT_BITS == tick {
                Some(held + u64::from((held & ((1 << COUNT_BITS) - 1)) < (1 << COUNT_BITS) - 1))
            } else {
                Some((tick << COUNT_BITS) | 1)
            }
        });
    }

    /// The requests admitted in the last second.
    fn last_second(&self, now: Instant) -> u64 {
        let tick = self.tick(now);
        self.slots
            .iter()
            .map(|slot| slot.load(Ordering::Acquire))
            .filter(|held| tick.saturating_sub(held >> COUNT_BITS) < 10)
            .map(|held| held & ((1 << COUNT_BITS) - 1))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Service;

    fn peer() -> Peer {
        Peer::new(
            Service::Oms,
            &url::Url::parse("http://oms.example").unwrap(),
        )
    }

    #[test]
    fn the_budget_is_spent_by_retries_and_refilled_by_successes() {
        let flow = Flow::new(FlowControl::new(), RetryBudget::new().capacity(12), 1);
        assert_eq!(flow.spend(false), Some(5));
        assert_eq!(flow.spend(false), Some(5));
        assert_eq!(flow.spend(false), None, "2 tokens left");
        assert_eq!(flow.spend(true), None);
        flow.succeeded(5);
        assert_eq!(flow.tokens(), 8);
        flow.succeeded(0);
        flow.succeeded(100);
        assert_eq!(flow.tokens(), 12, "never above capacity");
        let unlimited = Flow::new(FlowControl::new(), RetryBudget::unlimited(), 1);
        for _ in 0..1000 {
            assert_eq!(unlimited.spend(true), Some(0));
        }
    }

    #[tokio::test]
    async fn the_window_bounds_requests_in_flight_and_grows_with_full_successes() {
        let control = FlowControl::new().initial_window(2);
        let flow = Flow::new(control, RetryBudget::new(), 1);
        let lane = flow.lane(0).unwrap();
        let none = Deadline::none();
        let first = lane.acquire(&control, &none, &peer()).await.unwrap();
        let second = lane.acquire(&control, &none, &peer()).await.unwrap();
        let short = Deadline::after(Some(Duration::from_millis(30)));
        let third = lane.acquire(&control, &short, &peer()).await;
        assert!(
            matches!(third, Err(Error::Timeout(_))),
            "the window is full"
        );
        first.finish(&control, Feedback::Admitted);
        second.finish(&control, Feedback::Admitted);
        assert_eq!(
            lane.window.load(Ordering::Relaxed),
            3,
            "one success found it full"
        );
        let oms = peer();
        let permits: Vec<_> =
            futures_util::future::join_all((0..3).map(|_| lane.acquire(&control, &none, &oms)))
                .await;
        assert!(permits.iter().all(Result::is_ok));
        drop(permits);
        assert_eq!(
            lane.in_flight.load(Ordering::Relaxed),
            0,
            "dropped permits give back"
        );
    }

    #[tokio::test]
    async fn a_429_engages_the_rate_at_what_was_admitted_and_paces_slots() {
        let control = FlowControl::new();
        let flow = Flow::new(control, RetryBudget::new(), 1);
        let lane = flow.lane(0).unwrap();
        let none = Deadline::none();
        // 40 admitted in the last second, then a 429.
        for _ in 0..40 {
            let permit = lane.acquire(&control, &none, &peer()).await.unwrap();
            permit.finish(&control, Feedback::Admitted);
        }
        let permit = lane.acquire(&control, &none, &peer()).await.unwrap();
        permit.finish(&control, Feedback::Throttled(None));
        assert!(lane.engaged.load(Ordering::Relaxed));
        let per_second = lock(&lane.rate).per_second;
        assert!((per_second - 36.0).abs() < 1e-9, "{per_second}");
        // Slots are 1/36 s apart.
        let started = Instant::now();
        for _ in 0..10 {
            let permit = lane.acquire(&control, &none, &peer()).await.unwrap();
            permit.finish(&control, Feedback::Unknown);
        }
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(240), "{took:?}");
        // A 429 of a request sent at the old rate changes nothing; one of
        // the current rate lowers it once.
        let old = Permit {
            lane,
            mode: Mode::Rate {
                epoch: 0,
                waited: true,
            },
        };
        old.finish(&control, Feedback::Throttled(None));
        assert_eq!(lock(&lane.rate).per_second, per_second);
        let epoch = lock(&lane.rate).epoch;
        let current = Permit {
            lane,
            mode: Mode::Rate {
                epoch,
                waited: true,
            },
        };
        current.finish(&control, Feedback::Throttled(None));
        assert!(lock(&lane.rate).per_second < per_second);
    }

    #[tokio::test]
    async fn a_slot_past_the_deadline_is_refused_at_once() {
        let control = FlowControl::new();
        let flow = Flow::new(control, RetryBudget::new(), 1);
        let lane = flow.lane(0).unwrap();
        let permit = lane
            .acquire(&control, &Deadline::none(), &peer())
            .await
            .unwrap();
        permit.finish(&control, Feedback::Throttled(Some(Duration::from_secs(30))));
        let started = Instant::now();
        let short = Deadline::after(Some(Duration::from_secs(5)));
        let refused = lane.acquire(&control, &short, &peer()).await;
        assert!(matches!(refused, Err(Error::Timeout(_))));
        assert!(started.elapsed() < Duration::from_millis(100));
    }

    #[tokio::test]
    async fn the_rate_climbs_back_then_probes_above_its_ceiling() {
        let control = FlowControl::new();
        let lane = Lane::new(16);
        {
            let mut rate = lock(&lane.rate);
            rate.per_second = 90.0;
            rate.ceiling = Some(100.0);
            rate.grown_at = Instant::now() - Duration::from_secs(1);
        }
        lane.grow();
        let after_one = lock(&lane.rate).per_second;
        assert!(
            (after_one - (100.0 - 10.0 * (-1f64).exp())).abs() < 0.1,
            "{after_one}"
        );
        {
            let mut rate = lock(&lane.rate);
            rate.per_second = 100.0;
            rate.grown_at = Instant::now() - Duration::from_secs(1);
        }
        lane.grow();
        let probing = lock(&lane.rate).per_second;
        assert!(probing > 100.0 && probing < 103.0, "{probing}");
        let _ = control;
    }

    #[test]
    fn admitted_counts_cover_the_last_second_only() {
        let admitted = Admitted::default();
        let start = admitted.origin;
        for i in 0..50 {
            admitted.count(start + Duration::from_millis(i * 10));
        }
        assert_eq!(admitted.last_second(start + Duration::from_millis(500)), 50);
        assert_eq!(
            admitted.last_second(start + Duration::from_millis(1200)),
            20
        );
        assert_eq!(admitted.last_second(start + Duration::from_secs(3)), 0);
    }
}
