//! A whole Hugo site: what Gazette reads besides the content files, and the
//! rules Hugo applies to them, reproduced exactly as Hugo 0.111 computes them.
//!
//! - [`config`](crate::site::config): the site's configuration, found and
//!   merged as Hugo does, so base URL, languages, taxonomies, permalinks and
//!   menus come from the files Hugo would use.
//! - [`url`](crate::site::url): every page's URL (`urlize`, `[permalinks]`,
//!   language prefixes, the baseURL's path).

/// Finding, parsing and merging a Hugo site's configuration files.
pub mod config;
/// The site as the importer and the API use it: config and URL settings.
pub mod pages;
/// Related pages as hugo finds them from the site's `related` config.
pub mod related;
/// Display options resolved as the Mainroad theme does.
pub mod theme;
/// Page URLs as Hugo makes them.
pub mod url;

#[cfg(test)]
mod tests;

pub use config::{page_menu_entries, ConfigError, FrontMatterDates, Language, MenuEntry, Menus, SiteConfig, UglyUrls};
pub use pages::{ContentFolders, Site, SiteError};

/// Whether `path` is a leaf bundle's content file, `index.md` or
/// `index.fr.md`: in Hugo only such a page has page resources.
pub fn is_leaf_bundle_index(path: &std::path::Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.split('.').next() == Some("index") && n.contains('.'))
}
