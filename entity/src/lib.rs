//! Gazette's stored content model: one SeaORM entity per table.

pub mod article;
pub mod article_category;
pub mod article_menu;
pub mod article_resource;
pub mod article_tag;
pub mod article_term;
pub mod category;
pub mod change_event;
pub mod list_page;
pub mod section;
pub mod section_resource;
pub mod tag;
pub mod term;
pub mod translation;
pub mod webhook_delivery;
pub mod webhook_hook;
