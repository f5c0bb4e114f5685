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
use leptos_router::path;

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
                    <Route path=path!("/") view=DashboardPage/>
                    <Route path=path!("/datasets") view=DatasetsPage/>
                    <Route path=path!("/datasets/new") view=DatasetFormPage/>
                    <Route path=path!("/datasets/:id") view=DatasetPage/>
                    <Route path=path!("/datasets/:id/edit") view=DatasetFormPage/>
                    <Route path=path!("/datasets/:id/import") view=ImportPage/>
                    <Route path=path!("/datasets/:id/items/new") view=ItemFormPage/>
                    <Route path=path!("/datasets/:id/items/:item_id/edit") view=ItemFormPage/>
                    <Route path=path!("/datasets/:id/runs/new") view=RunFormPage/>
                    <Route path=path!("/datasets/:id/runs/:run_id") view=RunPage/>
                    <Route path=path!("/datasets/:id/runs/:run_id/review") view=ReviewPage/>
                    <Route path=path!("/datasets/:id/compare") view=ComparePage/>
                    <Route path=path!("/traces") view=TracesPage/>
                    <Route path=path!("/traces/:id") view=TracePage/>
                    <Route path=path!("/sessions") view=SessionsPage/>
                    <Route path=path!("/sessions/:id") view=SessionPage/>
                    <Route path=path!("/connect") view=ConnectPage/>
                    <Route path=path!("/api-docs") view=ApiDocsPage/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/setup") view=SetupPage/>
                    <Route path=path!("/settings") view=SettingsPage/>
                    <Route path=path!("/settings/users") view=UsersPage/>
                    <Route path=path!("/settings/api-keys") view=ApiKeysPage/>
                </Routes>
            </main>
        </Router>
    }
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
