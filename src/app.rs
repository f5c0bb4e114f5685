//! The HTML shell, the `<App/>` root with its top navigation, and the route table.

use crate::model::user::CurrentViewer;
use crate::ui::components::{provide_viewer, AccountMenu};
use crate::ui::pages::{
    api_docs::ApiDocsPage,
    compare::ComparePage,
    connect::ConnectPage,
    dashboard::DashboardPage,
    dataset::DatasetPage,
    dataset_form::DatasetFormPage,
    datasets::DatasetsPage,
    import::ImportPage,
    item_form::ItemFormPage,
    review::ReviewPage,
    run::RunPage,
    run_form::RunFormPage,
    sessions::{SessionPage, SessionsPage},
    settings::SettingsPage,
    settings_keys::ApiKeysPage,
    settings_users::UsersPage,
    sign_in::{LoginPage, SetupPage},
    traces::{TracePage, TracesPage},
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, RouteChildren, Router, Routes, A};
use leptos_router::{path, Lazy, LazyRoute, MatchNestedRoutes};
#[cfg(feature = "hydrate")]
use leptos_router::{ChooseView, MatchInterface, RouteDefs};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The browser reads who the page is for from here before hydrating.
    let viewer = use_context::<CurrentViewer>().and_then(|c| c.0);
    let email = viewer.as_ref().map(|v| v.email.clone());
    let role = viewer.map(|v| v.role.as_str());
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <MetaTags/>
            </head>
            <body data-viewer-email=email data-viewer-role=role>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_viewer();
    let signed_in = use_context::<CurrentViewer>().is_some_and(|c| c.0.is_some());
    view! {
        <Stylesheet id="leptos" href="/pkg/observ.css"/>
        <Title formatter=|page: String| if page.is_empty() { "Observ".to_string() } else { format!("{page} · Observ") }/>
        <Router>
            <header class="topbar">
                <a class="brand" href="/">"Observ"</a>
                {signed_in.then(|| view! {
                    <nav class="nav">
                        <A href="/" exact=true>"Dashboard"</A>
                        <A href="/datasets">"Datasets"</A>
                        <A href="/traces">"Traces"</A>
                        <A href="/sessions">"Sessions"</A>
                        <A href="/connect">"Connect"</A>
                    </nav>
                })}
                <AccountMenu/>
            </header>
            <main class="content">
                <Routes fallback=|| view! { <NotFound/> } children=RouteChildren::to_children(page_routes)/>
            </main>
        </Router>
    }
}

/// The route table. The router matches against it, and so does [`load_page`]
/// before hydration, so the two can never disagree about a page's chunk.
fn page_routes() -> impl MatchNestedRoutes + Clone + Send + 'static {
    view! {
        <Route path=path!("/") view={Lazy::<DashboardRoute>::new()}/>
        <Route path=path!("/datasets") view={Lazy::<DatasetsRoute>::new()}/>
        <Route path=path!("/datasets/new") view={Lazy::<DatasetFormRoute>::new()}/>
        <Route path=path!("/datasets/:id") view={Lazy::<DatasetRoute>::new()}/>
        <Route path=path!("/datasets/:id/edit") view={Lazy::<DatasetFormRoute>::new()}/>
        <Route path=path!("/datasets/:id/import") view={Lazy::<ImportRoute>::new()}/>
        <Route path=path!("/datasets/:id/items/new") view={Lazy::<ItemFormRoute>::new()}/>
        <Route path=path!("/datasets/:id/items/:item_id/edit") view={Lazy::<ItemFormRoute>::new()}/>
        <Route path=path!("/datasets/:id/runs/new") view={Lazy::<RunFormRoute>::new()}/>
        <Route path=path!("/datasets/:id/runs/:run_id") view={Lazy::<RunRoute>::new()}/>
        <Route path=path!("/datasets/:id/runs/:run_id/review") view={Lazy::<ReviewRoute>::new()}/>
        <Route path=path!("/datasets/:id/compare") view={Lazy::<CompareRoute>::new()}/>
        <Route path=path!("/traces") view={Lazy::<TracesRoute>::new()}/>
        <Route path=path!("/traces/:id") view={Lazy::<TraceRoute>::new()}/>
        <Route path=path!("/sessions") view={Lazy::<SessionsRoute>::new()}/>
        <Route path=path!("/sessions/:id") view={Lazy::<SessionRoute>::new()}/>
        <Route path=path!("/connect") view={Lazy::<ConnectRoute>::new()}/>
        <Route path=path!("/api-docs") view={Lazy::<ApiDocsRoute>::new()}/>
        <Route path=path!("/login") view={Lazy::<LoginRoute>::new()}/>
        <Route path=path!("/setup") view={Lazy::<SetupRoute>::new()}/>
        <Route path=path!("/settings") view={Lazy::<SettingsRoute>::new()}/>
        <Route path=path!("/settings/users") view={Lazy::<UsersRoute>::new()}/>
        <Route path=path!("/settings/api-keys") view={Lazy::<ApiKeysRoute>::new()}/>
    }
    .into_inner()
}

/// Loads the WASM chunk of the page at `path` (if the path names a page), so
/// that hydration finds it loaded. Hydration is synchronous: Observ's copy of
/// tachys keeps only the synchronous hydration code of each component (see
/// `vendor/tachys/OBSERV-PATCH.md`), and the router hydrates a lazy page
/// synchronously only once its chunk is there.
#[cfg(feature = "hydrate")]
pub async fn load_page(path: &str) {
    if let Some(matched) = RouteDefs::new(page_routes()).match_route(path) {
        let (page, _) = matched.into_view_and_child();
        page.preload().await;
    }
}

/// The pages come in WASM chunks, loaded lazily (`cargo leptos build --split`):
/// a first visit downloads the app's frame (this file, the router, the top bar)
/// and the chunk of the page it opens; another chunk comes when one of its pages
/// is first opened. The server names the current page's chunk in the HTML it
/// renders, so the browser fetches it beside the main bundle. Each page is a
/// chunk of its own, so a page loads only its own code, except for the settings
/// and sign-in pages, which are small and used together. The split leaves the
/// code that several chunks share in many small modules; a release build packs
/// each chunk's modules into one file (`scripts/pack-chunks`), so a first visit
/// still downloads one file. `#[lazy]` names a chunk's loader
/// `__preload_<chunk>`; a route awaits it before hydrating its page, or the page
/// would be rendered a second time beside the server's HTML.
macro_rules! page_chunks {
    ($($chunk:ident($pages:ident, $preload:ident) { $($route:ident => $page:ident,)+ })*) => {$(
        #[allow(clippy::enum_variant_names)]
        enum $pages {
            $($route,)+
        }

        #[lazy]
        fn $chunk(page: $pages) -> AnyView {
            match page {
                $($pages::$route => view! { <$page/> }.into_any(),)+
            }
        }

        $(
            struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                async fn view(_this: Self) -> AnyView {
                    $chunk($pages::$route).await
                }

                async fn preload() {
                    #[cfg(feature = "hydrate")]
                    $preload().await;
                }
            }
        )+
    )*};
}

page_chunks! {
    dashboard_chunk(DashboardPages, __preload_dashboard_chunk) {
        DashboardRoute => DashboardPage,
    }
    datasets_chunk(DatasetsPages, __preload_datasets_chunk) {
        DatasetsRoute => DatasetsPage,
    }
    dataset_chunk(DatasetPages, __preload_dataset_chunk) {
        DatasetRoute => DatasetPage,
    }
    item_form_chunk(ItemFormPages, __preload_item_form_chunk) {
        ItemFormRoute => ItemFormPage,
    }
    run_chunk(RunPages, __preload_run_chunk) {
        RunRoute => RunPage,
    }
    run_form_chunk(RunFormPages, __preload_run_form_chunk) {
        RunFormRoute => RunFormPage,
    }
    dataset_form_chunk(DatasetFormPages, __preload_dataset_form_chunk) {
        DatasetFormRoute => DatasetFormPage,
    }
    import_chunk(ImportPages, __preload_import_chunk) {
        ImportRoute => ImportPage,
    }
    compare_chunk(ComparePages, __preload_compare_chunk) {
        CompareRoute => ComparePage,
    }
    review_chunk(ReviewPages, __preload_review_chunk) {
        ReviewRoute => ReviewPage,
    }
    traces_chunk(TracesPages, __preload_traces_chunk) {
        TracesRoute => TracesPage,
    }
    trace_chunk(TracePages, __preload_trace_chunk) {
        TraceRoute => TracePage,
    }
    sessions_chunk(SessionsPages, __preload_sessions_chunk) {
        SessionsRoute => SessionsPage,
    }
    session_chunk(SessionPages, __preload_session_chunk) {
        SessionRoute => SessionPage,
    }
    settings_chunk(SettingsPages, __preload_settings_chunk) {
        SettingsRoute => SettingsPage,
        UsersRoute => UsersPage,
        ApiKeysRoute => ApiKeysPage,
        ConnectRoute => ConnectPage,
        ApiDocsRoute => ApiDocsPage,
    }
    sign_in_chunk(SignInPages, __preload_sign_in_chunk) {
        LoginRoute => LoginPage,
        SetupRoute => SetupPage,
    }
}

/// Loads the compare page's chunk ahead of a click: the Runs tab asks for it
/// when a run is first ticked for comparison, so that opening compare then
/// waits only for its data.
#[cfg(feature = "hydrate")]
pub async fn preload_compare_page() {
    __preload_compare_chunk().await
}

/// Loads the run page's chunk while its form is open: starting a run opens the
/// run page, which should then wait for nothing but its data.
#[cfg(feature = "hydrate")]
pub async fn preload_run_page() {
    __preload_run_chunk().await
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <section class="empty">
            <h1>"Page not found"</h1>
            <p>"Nothing lives at this address. " <a href="/datasets">"Go to your datasets"</a> "."</p>
        </section>
    }
}
