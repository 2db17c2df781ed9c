//! A whole Hugo site: what Gazette reads besides the content files.
//!
//! For now this is the site's configuration ([`config`](crate::site::config)), read the way
//! Hugo 0.111 finds and merges it, so that base URL, languages, taxonomies,
//! permalinks and menus come from the same files Hugo would use.

/// Finding, parsing and merging a Hugo site's configuration files.
pub mod config;

#[cfg(test)]
mod tests;

pub use config::{ConfigError, FrontMatterDates, Language, MenuEntry, Menus, SiteConfig, UglyUrls};
