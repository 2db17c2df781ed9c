//! The actix-web application: GraphQL at `/graphql`, GraphiQL at `/`, `/healthz`.

use crate::graphql::Api;
use actix_web::{guard, web, HttpResponse};
use async_graphql::http::GraphiQLSource;
use async_graphql_actix_web::{GraphQLRequest, GraphQLResponse};

async fn graphql_handler(api: web::Data<Api>, request: GraphQLRequest) -> GraphQLResponse {
    api.execute(request.into_inner()).await.into()
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
pub fn routes(api: Api) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(api))
            .service(
                web::resource("/graphql")
                    .route(web::post().to(graphql_handler))
                    .route(web::get().guard(guard::Get()).to(graphql_handler)),
            )
            .route("/", web::get().to(graphiql))
            .route("/healthz", web::get().to(healthz));
    }
}
