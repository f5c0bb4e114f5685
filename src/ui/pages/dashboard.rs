//! `/` (`?range=24h|7d|30d`): cards against the previous period, charts and
//! recent runs, moving live with the install-wide event stream: events apply
//! to the figures in the page; the server is asked again only on a range
//! change, a reconnect, or when the stream says it skipped something.

use crate::api::datasets::get_dashboard;
use crate::model::dashboard::{change_label, Cards, Dashboard, LiveRun, Range};
use crate::model::dashboard_live::{Change, InstallEvent};
use crate::model::stats::{cost_label, duration_label};
use crate::ui::components::{follow_install, Age, EmptyState, ErrorNote, Loading, ProgressBar, StatusBadge, WriteOnly};
use crate::ui::pages::dashboard_charts::DashboardCharts;
use crate::ui::query_param;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let range_text = query_param("range");
    let range = Memo::new(move |_| Range::parse(&range_text()).unwrap_or_default());
    let data = Resource::new(move || range.get(), get_dashboard);
    view! {
        <Title text="Dashboard"/>
        <div class="page-head">
            <h1>"Dashboard"</h1>
            <nav class="chips" id="range" aria-label="Time range">
                {Range::ALL.into_iter().map(|r| view! {
                    <a href=format!("/?range={}", r.as_str()) class=move || if range.get() == r { "chip active" } else { "chip" }>
                        {r.label()}
                    </a>
                }).collect_view()}
            </nav>
        </div>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <LiveDashboard data/> }.into_any(),
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The figures in a signal that the event stream moves.
#[component]
fn LiveDashboard(data: Dashboard) -> impl IntoView {
    let range = data.range;
    let state = RwSignal::new(data);
    let (live, hellos) = (RwSignal::new(false), StoredValue::new(0u32));
    // When the last applied event left the server: the page's latency probe.
    let last_event = RwSignal::new(None::<i64>);
    let refetch = move || {
        spawn_local(async move {
            if let Ok(fresh) = get_dashboard(range).await {
                state.set(fresh);
            }
        })
    };
    follow_install(move |event: InstallEvent| {
        match &event.change {
            Change::Hello => {
                hellos.update_value(|n| *n += 1);
                // A reconnect: what happened while the stream was down is not in the events.
                if hellos.get_value() > 1 {
                    refetch();
                }
                live.set(true);
            }
            Change::Resync => refetch(),
            change => state.update(|d| d.apply(change)),
        }
        last_event.set(Some(event.sent_ms));
    });
    let empty = move || state.with(Dashboard::is_empty);
    view! {
        <div id="dashboard" data-live=move || live.get().then_some("on") data-event=move || last_event.get()>
            <Show when=empty>
                <EmptyState title="Nothing here yet">
                    <p>"Runs and traces of this period show up here as they happen. Collect the cases your LLM app must get right and run your agent over them, or send your app's traces."</p>
                    <p class="actions empty-actions">
                        <WriteOnly><a href="/datasets/new" class="btn btn-primary">"Create a dataset"</a></WriteOnly>
                        <a href="/connect" class="btn">"Connect an app"</a>
                    </p>
                </EmptyState>
            </Show>
            <CardsRow state/>
            <DashboardCharts state/>
            <RecentRuns state/>
        </div>
    }
}

#[component]
fn CardsRow(state: RwSignal<Dashboard>) -> impl IntoView {
    let period = move || state.with(|d| d.range.label());
    let card = move |id: &'static str, label: &'static str, figure: fn(&Cards) -> f64, show: fn(f64) -> String| {
        let value = move || state.with(|d| show(figure(&d.current)));
        let change = move || state.with(|d| change_label(figure(&d.current), figure(&d.previous)));
        let class = move || match change().chars().next() {
            Some('↑') => "stat-change up",
            Some('↓') => "stat-change down",
            _ => "stat-change",
        };
        view! {
            <div class="stat" id=id>
                <div class="stat-value">{value}</div>
                <div class="stat-label">{label}</div>
                <div class=class title=move || format!("against the previous {}", period())>{change}</div>
            </div>
        }
    };
    view! {
        <div class="stats" id="cards">
            {card("card-runs", "Runs", |c| c.runs as f64, count)}
            {card("card-items", "Items evaluated", |c| c.items_evaluated as f64, count)}
            {card("card-traces", "Traces", |c| c.traces as f64, count)}
            {card("card-tokens", "Tokens", |c| c.tokens as f64, count)}
            {card("card-cost", "Cost", |c| c.cost, cost_label)}
            {card("card-latency", "Mean latency", |c| c.mean_latency_ms().unwrap_or_default(), |ms| if ms > 0.0 { duration_label(ms.round() as i64) } else { "—".into() })}
            {card("card-success", "Success rate", |c| c.success_rate().unwrap_or_default() * 100.0, |p| format!("{p:.1}%"))}
        </div>
    }
}

fn count(v: f64) -> String {
    format!("{v:.0}")
}

#[component]
fn RecentRuns(state: RwSignal<Dashboard>) -> impl IntoView {
    let runs = move || state.with(|d| d.recent_runs.clone());
    view! {
        <section class="card">
            <h3>"Recent runs"</h3>
            <Show when=move || state.with(|d| !d.recent_runs.is_empty())
                fallback=|| view! { <p class="muted">"No runs yet. Runs appear here with their progress as they go."</p> }>
                <ul class="list" id="recent-runs">
                    <For each=runs key=|r: &LiveRun| r.id let:run>
                        <RecentRun id=run.id state/>
                    </For>
                </ul>
            </Show>
        </section>
    }
}

/// One run's line, following its counters in `state`.
#[component]
fn RecentRun(id: i64, state: RwSignal<Dashboard>) -> impl IntoView {
    let run = Memo::new(move |_| state.with(|d| d.recent_runs.iter().find(|r| r.id == id).cloned()));
    move || {
        run.get().map(|r| {
            let counts = format!("{}/{}", r.finished_items(), r.total_items);
            view! {
                <li data-run-id=r.id data-status=r.status.as_str()>
                    <a href=format!("/datasets/{}/runs/{}", r.dataset_id, r.id)>{r.name.clone()}</a>
                    " " <span class="muted small">{r.dataset.clone()}</span> " "
                    <StatusBadge status=r.status.as_str()/> " "
                    <ProgressBar percent=r.progress_percentage() label=counts.clone()/> " "
                    <span class="small run-counts">{counts}</span> " "
                    <Age ts=r.created_at.clone()/>
                </li>
            }
        })
    }
}
