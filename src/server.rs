//! The actix-web application: GraphQL at `/graphql`, GraphiQL at `/`, `/healthz`.

use actix_web::{guard, web, HttpResponse};
use async_graphql::http::GraphiQLSource;
use async_graphql_actix_web::{GraphQLRequest, GraphQLResponse};
use sea_orm::DatabaseConnection;

use crate::graphql::{self, AppSchema};

/// What every handler shares. Cloning is cheap: the schema and pool are shared handles.
#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
}

impl AppState {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            schema: graphql::build_schema(),
            db,
        }
    }
}

async fn graphql_handler(state: web::Data<AppState>, request: GraphQLRequest) -> GraphQLResponse {
    graphql::execute(&state.schema, &state.db, request.into_inner())
        .await
        .into()
}

async fn graphiql() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(GraphiQLSource::build().endpoint("/graphql").title("Gazette").finish())
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Registers Gazette's routes; `main` and the tests build their apps with it.
pub fn routes(state: AppState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(state))
            .service(
                web::resource("/graphql")
                    .route(web::post().to(graphql_handler))
                    .route(web::get().guard(guard::Get()).to(graphql_handler)),
            )
            .route("/", web::get().to(graphiql))
            .route("/healthz", web::get().to(healthz));
    }
}
