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
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{lazy_route, path, Lazy, LazyRoute};

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
                <Routes fallback=|| view! { <NotFound/> }>
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
                </Routes>
            </main>
        </Router>
    }
}

/// Every page is a route whose view is a WASM chunk of its own
/// (`cargo leptos build --split`): a first visit downloads the app's frame (this
/// file, the router, the top bar) and the page it opens; another page's code
/// comes when that page is first opened. The server names the current page's
/// chunks in the HTML it renders, so the browser fetches them with the bundle.
macro_rules! lazy_pages {
    ($($route:ident => $page:ident,)*) => {$(
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_pages! {
    ApiDocsRoute => ApiDocsPage,
    ApiKeysRoute => ApiKeysPage,
    CompareRoute => ComparePage,
    ConnectRoute => ConnectPage,
    DashboardRoute => DashboardPage,
    DatasetFormRoute => DatasetFormPage,
    DatasetRoute => DatasetPage,
    DatasetsRoute => DatasetsPage,
    ImportRoute => ImportPage,
    ItemFormRoute => ItemFormPage,
    LoginRoute => LoginPage,
    ReviewRoute => ReviewPage,
    RunFormRoute => RunFormPage,
    RunRoute => RunPage,
    SessionRoute => SessionPage,
    SessionsRoute => SessionsPage,
    SettingsRoute => SettingsPage,
    SetupRoute => SetupPage,
    TraceRoute => TracePage,
    TracesRoute => TracesPage,
    UsersRoute => UsersPage,
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
