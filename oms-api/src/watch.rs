//! Watching many migration tasks, or many task groups, to their final
//! states with listings instead of one ShowTask per task per poll: each
//! poll reads ListTasks (ListTaskGroup) a full page of 100 at a time — a
//! hundredth of the requests — and yields every watched resource as it
//! reaches a final state, with the errors and deadline of
//! [`Client::wait_for_task`].
//!
//! When the watched resources are few against what the project lists (say
//! 3 tasks of 10 000), a poll asks for each with ShowTask (ShowTaskGroup)
//! instead: each poll takes whichever needs fewer requests, judged by the
//! size of the last listing.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use tokio::time::Instant;

use crate::Client;
use crate::error::Last;
use crate::error::{Error, WaitError};
use crate::generated::codes::TaskGroupStatus;
use crate::types::{TaskGroupResp, TaskResp};
use crate::wait::{Wait, Waited, gone, outcome};

/// The most items a listing page holds (the spec's largest `limit`).
const PAGE: usize = 100;

/// What is watched: migration tasks or task groups.
trait Watched: Waited {
    type Id: Ord + Clone + Send + Sync + std::fmt::Debug + 'static;
    /// `migration task 42`.
    fn resource(id: &Self::Id) -> String;
    fn id(&self) -> Option<Self::Id>;

    fn is_final(&self) -> bool {
        self.state().1
    }
}

impl Watched for TaskResp {
    type Id = i64;

    fn resource(id: &i64) -> String {
        format!("migration task {id}")
    }

    fn id(&self) -> Option<i64> {
        self.id
    }
}

impl Watched for TaskGroupResp {
    type Id = String;

    fn resource(id: &String) -> String {
        format!("task group {}", crate::error::printable(id, 128))
    }

    fn id(&self) -> Option<String> {
        self.group_id.clone()
    }
}

/// Waits for many migration tasks; see [`Client::wait_for_tasks`].
#[derive(Debug, Clone)]
#[must_use]
pub struct WaitForTasks<'a> {
    client: &'a Client,
    project_id: Option<String>,
    group_id: Option<String>,
    ids: Vec<i64>,
    wait: Wait,
}

/// Waits for many task groups; see [`Client::wait_for_task_groups`].
#[derive(Debug, Clone)]
#[must_use]
pub struct WaitForTaskGroups<'a> {
    client: &'a Client,
    project_id: Option<String>,
    ids: Vec<String>,
    wait: Wait,
}

impl Client {
    /// Follows migration tasks `task_ids` to their final states, yielding
    /// each as it gets there: `Ok` when it succeeds or is paused,
    /// [`WaitError::Failed`] when it fails, [`WaitError::Gone`] when it
    /// disappears, [`WaitError::Deadline`] for each still running at the
    /// deadline (see [`wait`](WaitForTasks::wait)). Any other error is
    /// yielded and ends the stream. Each poll reads ListTasks a page of 100
    /// at a time (filtered by [`group_id`](WaitForTasks::group_id) when
    /// given), or ShowTask for each task when that takes fewer requests.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use futures::StreamExt;
    /// use oms_api::Wait;
    ///
    /// # async fn run(client: oms_api::Client, ids: Vec<i64>) {
    /// let mut finished = client
    ///     .wait_for_tasks(ids)
    ///     .wait(Wait::new(Duration::from_secs(6 * 3600)))
    ///     .stream();
    /// while let Some(task) = finished.next().await {
    ///     match task {
    ///         Ok(task) => println!("task {:?} is done", task.id),
    ///         Err(error) => eprintln!("{error}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn wait_for_tasks(&self, task_ids: impl IntoIterator<Item = i64>) -> WaitForTasks<'_> {
        WaitForTasks {
            client: self,
            project_id: None,
            group_id: None,
            ids: task_ids.into_iter().collect(),
            wait: Wait::default(),
        }
    }

    /// Follows every task of task group `group_id` (as ListTasks filtered
    /// by the group lists them, while the group creates them) to its final
    /// state; the stream ends once the group itself is in a final state
    /// and each of its tasks has been yielded. Otherwise as
    /// [`wait_for_tasks`](Self::wait_for_tasks).
    pub fn wait_for_group_tasks(&self, group_id: &str) -> WaitForTasks<'_> {
        WaitForTasks {
            client: self,
            project_id: None,
            group_id: Some(group_id.to_owned()),
            ids: Vec::new(),
            wait: Wait::default(),
        }
    }

    /// Follows task groups `group_ids` to their final states through
    /// ListTaskGroup pages, as [`wait_for_tasks`](Self::wait_for_tasks)
    /// does for tasks: `Ok` when a group completes or is paused,
    /// [`WaitError::Failed`] when it fails.
    pub fn wait_for_task_groups<S: Into<String>>(
        &self,
        group_ids: impl IntoIterator<Item = S>,
    ) -> WaitForTaskGroups<'_> {
        WaitForTaskGroups {
            client: self,
            project_id: None,
            ids: group_ids.into_iter().map(Into::into).collect(),
            wait: Wait::default(),
        }
    }
}

impl<'a> WaitForTasks<'a> {
    /// The project of the tasks. Default: the client's (see
    /// [`ClientBuilder::project_id`](crate::ClientBuilder::project_id)).
    pub fn project_id(mut self, project_id: impl AsRef<str>) -> Self {
        self.project_id = Some(project_id.as_ref().to_owned());
        self
    }

    /// Only the tasks of this group are listed (the watched ids must be
    /// in it). Default: every task of the project.
    pub fn group_id(mut self, group_id: impl AsRef<str>) -> Self {
        self.group_id = Some(group_id.as_ref().to_owned());
        self
    }

    /// How long to wait in all, and how often to poll. Default: 24 hours,
    /// polling after 1 s, then every 2, 4 … up to 30 s.
    pub fn wait(mut self, wait: Wait) -> Self {
        self.wait = wait;
        self
    }

    /// The tasks, each as it reaches a final state.
    pub fn stream(self) -> BoxStream<'a, Result<TaskResp, Error>> {
        let whole_group = self.ids.is_empty() && self.group_id.is_some();
        let Self {
            client,
            project_id,
            group_id,
            ids,
            wait,
        } = self;
        let list = {
            let (project_id, group_id) = (project_id.clone(), group_id.clone());
            move || {
                let mut listing = client.list_tasks();
                if let Some(project_id) = &project_id {
                    listing = listing.project_id(project_id.as_str());
                }
                if let Some(group_id) = &group_id {
                    listing = listing.group_id(group_id.as_str());
                }
                listing.stream().try_collect::<Vec<_>>().boxed()
            }
        };
        let show = {
            let project_id = project_id.clone();
            move |id: i64| {
                let project_id = project_id.clone();
                async move {
                    let mut show = client.show_task().task_id(id);
                    if let Some(project_id) = &project_id {
                        show = show.project_id(project_id.as_str());
                    }
                    show.send().await.map(crate::ResponseValue::into_inner)
                }
                .boxed()
            }
        };
        // The group, when all its tasks are watched: whether it is final.
        let group_done = move || {
            let (project_id, group_id) = (project_id.clone(), group_id.clone());
            async move {
                let Some(group_id) = group_id.filter(|_| whole_group) else {
                    return Ok(true);
                };
                let mut show = client.show_task_group().group_id(group_id.as_str());
                if let Some(project_id) = &project_id {
                    show = show.project_id(project_id.as_str());
                }
                let group = show.send().await?.into_inner();
                Ok(group
                    .status
                    .is_some_and(|code| TaskGroupStatus::from_code(code).is_final()))
            }
            .boxed()
        };
        watch(ids, whole_group, wait, list, show, group_done)
    }
}

impl<'a> WaitForTaskGroups<'a> {
    /// The project of the groups. Default: the client's.
    pub fn project_id(mut self, project_id: impl AsRef<str>) -> Self {
        self.project_id = Some(project_id.as_ref().to_owned());
        self
    }

    /// How long to wait in all, and how often to poll (see
    /// [`WaitForTasks::wait`]).
    pub fn wait(mut self, wait: Wait) -> Self {
        self.wait = wait;
        self
    }

    /// The groups, each as it reaches a final state.
    pub fn stream(self) -> BoxStream<'a, Result<TaskGroupResp, Error>> {
        let Self {
            client,
            project_id,
            ids,
            wait,
        } = self;
        let list = {
            let project_id = project_id.clone();
            move || {
                let mut listing = client.list_task_group();
                if let Some(project_id) = &project_id {
                    listing = listing.project_id(project_id.as_str());
                }
                listing.stream().try_collect::<Vec<_>>().boxed()
            }
        };
        let show = move |id: String| {
            let project_id = project_id.clone();
            async move {
                let mut show = client.show_task_group().group_id(id.as_str());
                if let Some(project_id) = &project_id {
                    show = show.project_id(project_id.as_str());
                }
                show.send().await.map(crate::ResponseValue::into_inner)
            }
            .boxed()
        };
        watch(ids, false, wait, list, show, || async { Ok(true) }.boxed())
    }
}

type Fetch<'a, T> = futures_util::future::BoxFuture<'a, Result<T, Error>>;

/// What a watch keeps between polls.
struct Watch<T: Watched> {
    /// Watched and not final yet, as last seen.
    pending: BTreeMap<T::Id, Option<T>>,
    /// Watch whatever the listing has (a group's tasks).
    open: bool,
    ready: VecDeque<Result<T, Error>>,
    started: Instant,
    deadline: Instant,
    pause: Duration,
    /// A group's tasks already yielded: each is yielded once.
    done: BTreeSet<T::Id>,
    /// Items in the last full listing.
    listed: usize,
    /// No poll yet: the first is made at once.
    first_poll: bool,
    ended: bool,
}

fn watch<'a, T, L, S, G>(
    ids: Vec<T::Id>,
    open: bool,
    wait: Wait,
    list: L,
    show: S,
    group_done: G,
) -> BoxStream<'a, Result<T, Error>>
where
    T: Watched,
    L: Fn() -> Fetch<'a, Vec<T>> + Send + Sync + 'a,
    S: Fn(T::Id) -> Fetch<'a, T> + Send + Sync + 'a,
    G: Fn() -> Fetch<'a, bool> + Send + Sync + 'a,
{
    let started = Instant::now();
    let state = Watch::<T> {
        pending: ids.into_iter().map(|id| (id, None)).collect(),
        open,
        ready: VecDeque::new(),
        started,
        deadline: started + wait.deadline(),
        pause: wait.first(),
        done: BTreeSet::new(),
        listed: 0,
        first_poll: true,
        ended: false,
    };
    let step = std::sync::Arc::new((list, show, group_done, wait));
    stream::unfold(state, move |mut state| {
        let step = std::sync::Arc::clone(&step);
        async move {
            let (list, show, group_done, wait) = &*step;
            loop {
                if let Some(next) = state.ready.pop_front() {
                    return Some((next, state));
                }
                if state.ended || (state.pending.is_empty() && !state.open) {
                    return None;
                }
                if !state.first_poll {
                    let now = Instant::now();
                    if now >= state.deadline {
                        state.expire(now);
                        continue;
                    }
                    tokio::time::sleep_until((now + state.pause).min(state.deadline)).await;
                    state.pause = (state.pause * 2).min(wait.max());
                }
                state.first_poll = false;
                if let Err(error) = state.poll(list, show, group_done).await {
                    state.ready.push_back(Err(error));
                    state.ended = true;
                }
                if Instant::now() >= state.deadline && state.ready.is_empty() {
                    state.expire(Instant::now());
                }
            }
        }
    })
    .boxed()
}

impl<T: Watched> Watch<T> {
    /// One poll: a listing, or one request per pending resource, whichever
    /// takes fewer requests.
    async fn poll<'a>(
        &mut self,
        list: &impl Fn() -> Fetch<'a, Vec<T>>,
        show: &impl Fn(T::Id) -> Fetch<'a, T>,
        group_done: &impl Fn() -> Fetch<'a, bool>,
    ) -> Result<(), Error> {
        let pages = self.listed.div_ceil(PAGE).max(1);
        let by_id = !self.open && self.listed > 0 && self.pending.len() < pages;
        if by_id {
            let ids: Vec<T::Id> = self.pending.keys().cloned().collect();
            for id in ids {
                match show(id.clone()).await {
                    Ok(item) => self.saw(id, item),
                    Err(error) => {
                        let resource = T::resource(&id);
                        match gone(error, &resource) {
                            gone @ Error::Wait(WaitError::Gone { .. }) => {
                                self.pending.remove(&id);
                                self.ready.push_back(Err(gone));
                            }
                            other => return Err(other),
                        }
                    }
                }
            }
            return Ok(());
        }
        // The group's state first: tasks it creates after this show up in
        // a listing that is read after it.
        let group_final = group_done().await?;
        let items = list().await?;
        self.listed = items.len();
        let mut missing: Vec<T::Id> = self.pending.keys().cloned().collect();
        for item in items {
            let Some(id) = item.id() else { continue };
            missing.retain(|m| *m != id);
            if self.pending.contains_key(&id) {
                self.saw(id, item);
            } else if self.open && !item.is_final() {
                // A task of the group not final yet: watch it.
                self.pending.insert(id, Some(item));
            } else if self.open && self.done.insert(id.clone()) {
                self.finish(id, item);
            }
        }
        // Listed nowhere: ask for each (deleted ones are gone).
        for id in missing {
            if !self.pending.contains_key(&id) {
                continue;
            }
            match show(id.clone()).await {
                Ok(item) => self.saw(id, item),
                Err(error) => {
                    let resource = T::resource(&id);
                    match gone(error, &resource) {
                        gone @ Error::Wait(WaitError::Gone { .. }) => {
                            self.pending.remove(&id);
                            self.ready.push_back(Err(gone));
                        }
                        other => return Err(other),
                    }
                }
            }
        }
        if self.open && group_final && self.pending.is_empty() {
            self.open = false;
        }
        Ok(())
    }

    /// `item` was seen: final ones are yielded.
    fn saw(&mut self, id: T::Id, item: T) {
        if item.is_final() {
            self.pending.remove(&id);
            if self.open {
                self.done.insert(id.clone());
            }
            self.finish(id, item);
        } else if let Some(last) = self.pending.get_mut(&id) {
            *last = Some(item);
        }
    }

    fn finish(&mut self, id: T::Id, item: T) {
        let resource = T::resource(&id);
        self.ready.push_back(outcome(&resource, item));
    }

    /// The deadline passed: every pending resource is yielded as such.
    fn expire(&mut self, now: Instant) {
        let waited = now.saturating_duration_since(self.started);
        for (id, last) in std::mem::take(&mut self.pending) {
            let state = last
                .as_ref()
                .map_or("not listed yet", |last| last.state().0);
            self.ready.push_back(Err(WaitError::Deadline {
                resource: T::resource(&id),
                status: last.as_ref().and_then(Waited::code),
                state,
                waited,
                last: Last::new(last),
            }
            .into()));
        }
        self.open = false;
        self.ended = true;
    }
}
