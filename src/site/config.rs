//! A Hugo site's configuration, found, parsed and merged as Hugo 0.111 does.
//!
//! Hugo reads at most one root file (`hugo.toml|yaml|yml|json`, else
//! `config.toml|yaml|yml|json`) and then the `config/_default/` and
//! `config/<environment>/` directories over it. Every map key is lower-cased
//! (keys of maps inside lists keep their case, as in Hugo), maps are merged
//! deeply and everything else is replaced by the later file. The merged
//! tree is kept as a [`serde_json::Value`]; [`SiteConfig`] adds typed
//! accessors with Hugo's defaults and Hugo's coercions (`paginate = "10"`
//! is 10, `"true"` is true).

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// The base names Hugo looks for, in order; the first one found wins.
pub const CONFIG_NAMES: [&str; 2] = ["hugo", "config"];

/// The extensions Hugo accepts for configuration files, in the order it tries them.
pub const CONFIG_EXTENSIONS: [&str; 4] = ["toml", "yaml", "yml", "json"];

/// The environment `hugo` (and `hugo config`) builds for unless told otherwise.
pub const DEFAULT_ENVIRONMENT: &str = "production";

/// The directory (under the site) that holds `_default/` and per-environment overrides.
pub const CONFIG_DIR: &str = "config";

/// Why a site's configuration could not be read.
///
/// Display is `path:line: reason` when the parser knows the line, else
/// `path: reason`, so an editor or terminal can jump to the spot.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file is not valid TOML, YAML or JSON; `line` is 1-based.
    #[error("{}:{line}: {reason}", path.display())]
    Syntax {
        /// The file that failed to parse.
        path: PathBuf,
        /// The 1-based line the parser pointed at.
        line: usize,
        /// The parser's message, without its own position suffix.
        reason: String,
    },
    /// A value Hugo would reject, found after the files were merged, at
    /// the line of the file that sets it (the last one that does).
    #[error("{}:{line}: {reason}", path.display())]
    Rejected {
        /// The file that sets the value.
        path: PathBuf,
        /// The 1-based line of its key.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A file parsed but Hugo would reject it, or the parser gave no line.
    #[error("{}: {reason}", path.display())]
    Invalid {
        /// The file (or site directory) at fault.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A file or directory could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// What was being read.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The directory has no configuration file and no `config/` directory.
    #[error("{}: no hugo.toml, config.toml (or .yaml, .yml, .json) and no config/ directory", path.display())]
    NotFound {
        /// The site directory that was searched.
        path: PathBuf,
    },
}

impl ConfigError {
    /// The file (or directory) the error is about.
    pub fn path(&self) -> &Path {
        match self {
            ConfigError::Syntax { path, .. }
            | ConfigError::Rejected { path, .. }
            | ConfigError::Invalid { path, .. }
            | ConfigError::Io { path, .. }
            | ConfigError::NotFound { path } => path,
        }
    }

    /// The 1-based line, when the parser reported one.
    pub fn line(&self) -> Option<usize> {
        match self {
            ConfigError::Syntax { line, .. } | ConfigError::Rejected { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// Hugo's `uglyURLs`: one switch for the site, or one per section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UglyUrls {
    /// `uglyURLs = true|false` (or a string Hugo reads as a boolean).
    All(bool),
    /// `[uglyURLs] posts = true`: sections not named are pretty.
    PerSection(BTreeMap<String, bool>),
}

impl UglyUrls {
    /// Whether pages of `section` get `/section/page.html` URLs.
    pub fn for_section(&self, section: &str) -> bool {
        match self {
            UglyUrls::All(b) => *b,
            UglyUrls::PerSection(m) => m.get(&section.to_lowercase()).copied().unwrap_or(false),
        }
    }
}

/// One configured menu entry, read case-insensitively as Hugo's `MenuEntry.MarshallMap`.
///
/// Missing fields are empty (weight 0), as in Hugo.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MenuEntry {
    /// The menu it belongs to (`main`, `footer`, ...).
    pub menu: String,
    /// Link text.
    pub name: String,
    /// The configured `url`, unchanged.
    pub url: String,
    /// `pageRef`: a content path Hugo resolves to a page.
    pub page_ref: String,
    /// Sort weight (lower first); Hugo coerces strings like `"3"`.
    pub weight: i64,
    /// The parent entry's identifier, for nested menus.
    pub parent: String,
    /// A unique id; Hugo falls back to the name when empty.
    pub identifier: String,
    /// HTML before the link text.
    pub pre: String,
    /// HTML after the link text.
    pub post: String,
    /// The link's title attribute.
    pub title: String,
    /// Free-form entry params, keys lower-cased as Hugo does.
    pub params: Map<String, Value>,
}

/// Menus by name, each entry list in configuration order (Hugo sorts at render time).
pub type Menus = BTreeMap<String, Vec<MenuEntry>>;

/// One site language, with Hugo's defaults filled in from the site config.
#[derive(Debug, Clone, PartialEq)]
pub struct Language {
    /// The language key, lower-cased as Hugo does (`zh-CN` becomes `zh-cn`).
    pub code: String,
    /// Sort weight; 0 (unset) sorts after every set weight.
    pub weight: i64,
    /// `languageName`, empty when not set.
    pub language_name: String,
    /// `languageDirection` (`rtl`/`ltr`), empty when not set.
    pub language_direction: String,
    /// The language's `title`, else the site's.
    pub title: String,
    /// The language's `contentDir`, else the site's.
    pub content_dir: String,
    /// A per-language `baseURL` (multihost sites), if set.
    pub base_url: Option<String>,
    /// The language's `timeZone`, else the site's.
    pub time_zone: Option<String>,
    /// Whether `disabled = true` or `disableLanguages` names it.
    pub disabled: bool,
    /// Site params with the language's params laid over them (top-level keys replaced).
    pub params: Map<String, Value>,
    /// The language's own menus, which replace the site's menus for it; `None` when not set.
    pub menus: Option<Menus>,
}

/// Which front matter fields (or `:filename`, `:fileModTime`, `:git`) give each page date.
///
/// The lists are as Hugo uses them: lower-cased, `:default` expanded, and
/// Hugo's aliases added (`publishdate` brings `pubdate`, `published`;
/// `lastmod` brings `modified`; `expirydate` brings `unpublishdate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatterDates {
    /// Sources for `.Date`.
    pub date: Vec<String>,
    /// Sources for `.Lastmod`.
    pub lastmod: Vec<String>,
    /// Sources for `.PublishDate`.
    pub publish_date: Vec<String>,
    /// Sources for `.ExpiryDate`.
    pub expiry_date: Vec<String>,
}

impl Default for FrontMatterDates {
    /// Hugo's default rules (a site without `[frontmatter]`).
    fn default() -> Self {
        Self::from_config(None)
    }
}

impl FrontMatterDates {
    /// Hugo's defaults before alias expansion (lower-cased as Hugo stores them).
    fn defaults() -> [Vec<String>; 4] {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        [
            v(&["date", "publishdate", "lastmod"]),
            v(&[":git", "lastmod", "date", "publishdate"]),
            v(&["publishdate", "date"]),
            v(&["expirydate"]),
        ]
    }

    fn from_config(fm: Option<&Value>) -> Self {
        let [d_date, d_lastmod, d_pub, d_exp] = Self::defaults();
        let (mut date, mut lastmod, mut publish, mut expiry) =
            (d_date.clone(), d_lastmod.clone(), d_pub.clone(), d_exp.clone());
        if let Some(Value::Object(m)) = fm {
            for (k, v) in m {
                let list: Vec<String> = to_string_slice(v).into_iter().map(|s| s.to_lowercase()).collect();
                match k.as_str() {
                    "date" => date = list,
                    "publishdate" => publish = list,
                    "lastmod" => lastmod = list,
                    "expirydate" => expiry = list,
                    _ => {}
                }
            }
        }
        let expand = |values: Vec<String>, defaults: &[String]| {
            let mut out: Vec<String> = Vec::new();
            for v in values {
                if v == ":default" {
                    out.extend(defaults.iter().cloned());
                } else {
                    out.push(v);
                }
            }
            let mut complete: Vec<String> = Vec::new();
            for v in out {
                let aliases: &[&str] = match v.as_str() {
                    "lastmod" => &["modified"],
                    "publishdate" => &["pubdate", "published"],
                    "expirydate" => &["unpublishdate"],
                    _ => &[],
                };
                complete.push(v);
                complete.extend(aliases.iter().map(|a| a.to_string()));
            }
            let mut seen = std::collections::HashSet::new();
            complete.retain(|s| seen.insert(s.clone()));
            complete
        };
        FrontMatterDates {
            date: expand(date, &d_date),
            lastmod: expand(lastmod, &d_lastmod),
            publish_date: expand(publish, &d_pub),
            expiry_date: expand(expiry, &d_exp),
        }
    }
}

/// A Hugo site's merged configuration plus a typed view of the keys Gazette uses.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    raw: Value,
    files: Vec<PathBuf>,
    environment: String,
    base_url: String,
    title: String,
    language_code: String,
    default_content_language: String,
    default_content_language_in_subdir: bool,
    multihost: bool,
    languages: Vec<Language>,
    taxonomies: BTreeMap<String, String>,
    permalinks: BTreeMap<String, String>,
    menus: Menus,
    summary_length: i64,
    has_cjk_language: bool,
    time_zone: Option<String>,
    pager_size: i64,
    disable_aliases: bool,
    enable_git_info: bool,
    ugly_urls: UglyUrls,
    content_dir: String,
    front_matter: FrontMatterDates,
    rss_limit: i64,
    /// `related`, decoded (hugo refuses a bad one when it loads the config).
    related: Option<super::related::RelatedConfig>,
}

impl SiteConfig {
    /// Reads the configuration of the site in `site_dir` for `environment`
    /// (Hugo's default is [`DEFAULT_ENVIRONMENT`]); a directory without any
    /// configuration is [`ConfigError::NotFound`].
    pub fn load(site_dir: &Path, environment: &str) -> Result<SiteConfig, ConfigError> {
        Self::find(site_dir, environment)?.ok_or_else(|| ConfigError::NotFound {
            path: site_dir.to_path_buf(),
        })
    }

    /// Like [`SiteConfig::load`], but `Ok(None)` when the directory has no
    /// root config file and neither `config/_default/` nor `config/<environment>/`,
    /// so a caller can treat it as "not a Hugo site" rather than an error.
    pub fn find(site_dir: &Path, environment: &str) -> Result<Option<SiteConfig>, ConfigError> {
        let meta = fs::metadata(site_dir).map_err(|source| ConfigError::Io {
            path: site_dir.to_path_buf(),
            source,
        })?;
        if !meta.is_dir() {
            return Err(ConfigError::Invalid {
                path: site_dir.to_path_buf(),
                reason: "not a directory".to_string(),
            });
        }

        let mut root = Map::new();
        let mut files = Vec::new();

        if let Some(path) = find_root_file(site_dir) {
            let mut m = parse_file(&path)?;
            rename_keys(&mut m);
            set(&mut root, m);
            files.push(path);
        }

        let config_dir = site_dir.join(CONFIG_DIR);
        let mut found_dir = false;
        for dir in [config_dir.join("_default"), config_dir.join(environment)] {
            if !dir.is_dir() {
                continue;
            }
            found_dir = true;
            walk_config_dir(&dir, &mut root, &mut files)?;
        }

        if files.is_empty() && !found_dir {
            return Ok(None);
        }
        Self::from_merged(Value::Object(root), site_dir, files, environment).map(Some)
    }

    /// Builds the typed view over an already merged, lower-cased tree.
    ///
    /// `origin` names the site in errors Hugo would raise after merging
    /// (e.g. a `defaultContentLanguage` no language defines).
    pub fn from_merged(
        raw: Value,
        origin: &Path,
        files: Vec<PathBuf>,
        environment: &str,
    ) -> Result<SiteConfig, ConfigError> {
        // An error about a merged value names the file and line that set
        // it: `keys` is its path in the tree (lower-cased), `value` a text
        // on that line that tells it from its siblings.
        let rejected = |keys: &[&str], value: Option<&str>, reason: String| match locate(&files, keys, value) {
            Some((path, line)) => ConfigError::Rejected { path, line, reason },
            None => ConfigError::Invalid {
                path: origin.to_path_buf(),
                reason,
            },
        };
        let empty = Map::new();
        let root = raw.as_object().unwrap_or(&empty);
        let get = |k: &str| root.get(k);
        let string = |k: &str| get(k).map(to_string).unwrap_or_default();
        let opt_string = |k: &str| get(k).map(to_string).filter(|s| !s.is_empty());

        let title = string("title");
        let content_dir = opt_string("contentdir").unwrap_or_else(|| "content".to_string());
        let time_zone = opt_string("timezone");
        let params = match get("params") {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };

        let mut default_content_language = string("defaultcontentlanguage").to_lowercase();
        if default_content_language.is_empty() {
            default_content_language = "en".to_string();
        }

        let site_lang = |code: String| Language {
            code,
            weight: 0,
            language_name: String::new(),
            language_direction: String::new(),
            title: title.clone(),
            content_dir: content_dir.clone(),
            base_url: None,
            time_zone: time_zone.clone(),
            disabled: false,
            params: params.clone(),
            menus: None,
        };

        let disable_languages: Vec<String> = get("disablelanguages").map(to_string_slice).unwrap_or_default();
        let mut languages = Vec::new();
        match get("languages") {
            Some(Value::Object(langs)) if !langs.is_empty() => {
                for (code, conf) in langs {
                    let Value::Object(conf) = conf else {
                        return Err(rejected(
                            &["languages", code.as_str()],
                            None,
                            format!("language {code:?}: config is not a map"),
                        ));
                    };
                    let mut lang = site_lang(code.clone());
                    for (k, v) in conf {
                        match k.as_str() {
                            "title" => lang.title = to_string(v),
                            "languagename" => lang.language_name = to_string(v),
                            "languagedirection" => lang.language_direction = to_string(v),
                            "weight" => lang.weight = to_int(v),
                            "contentdir" => lang.content_dir = to_string(v),
                            "disabled" => lang.disabled = to_bool(v),
                            "baseurl" => lang.base_url = Some(to_string(v)),
                            "timezone" => lang.time_zone = Some(to_string(v)).filter(|s| !s.is_empty()),
                            "params" => {
                                if let Value::Object(p) = v {
                                    for (pk, pv) in p {
                                        lang.params.insert(pk.clone(), pv.clone());
                                    }
                                }
                            }
                            "menus" => lang.menus = Some(read_menus(v)),
                            _ => {}
                        }
                    }
                    if disable_languages.iter().any(|d| d.eq_ignore_ascii_case(code)) {
                        if *code == default_content_language {
                            return Err(rejected(
                                &["disablelanguages"],
                                Some(code),
                                format!("cannot disable default language {code:?}"),
                            ));
                        }
                        lang.disabled = true;
                    }
                    languages.push(lang);
                }
                languages.sort_by(|a: &Language, b: &Language| {
                    use std::cmp::Ordering;
                    if a.weight == b.weight {
                        a.code.cmp(&b.code)
                    } else if b.weight == 0 {
                        Ordering::Less
                    } else if a.weight == 0 {
                        Ordering::Greater
                    } else {
                        a.weight.cmp(&b.weight)
                    }
                });
            }
            _ => languages.push(site_lang(default_content_language.clone())),
        }

        if !languages.iter().any(|l| l.code == default_content_language) {
            let reason = format!(
                "site config value {default_content_language:?} for defaultContentLanguage does not match any language definition"
            );
            // Not set at all (Hugo's `en`): the languages are what is wrong.
            let keys: &[&str] = if get("defaultcontentlanguage").is_some() {
                &["defaultcontentlanguage"]
            } else {
                &["languages"]
            };
            return Err(rejected(keys, None, reason));
        }
        let multihost = languages.len() > 1 && languages.iter().any(|l| l.base_url.is_some());
        if multihost && languages.iter().any(|l| l.base_url.is_none()) {
            let without = languages.iter().find(|l| l.base_url.is_none()).map(|l| l.code.clone());
            return Err(rejected(
                &["languages", without.as_deref().unwrap_or_default()],
                None,
                "baseURL must be set on all or none of the languages".to_string(),
            ));
        }

        let taxonomies = match get("taxonomies") {
            None => BTreeMap::from([
                ("category".to_string(), "categories".to_string()),
                ("tag".to_string(), "tags".to_string()),
            ]),
            Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), to_string(v))).collect(),
            Some(_) => BTreeMap::new(),
        };

        let permalinks = match get("permalinks") {
            Some(Value::Object(m)) => m
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect(),
            _ => BTreeMap::new(),
        };

        let paginate = get("paginate").map(to_int).unwrap_or(0);
        let pager_size = if paginate != 0 {
            paginate
        } else {
            match get_path(root, &["pagination", "pagersize"]).map(to_int) {
                Some(n) if n != 0 => n,
                _ => 10,
            }
        };

        let ugly_urls = match get("uglyurls") {
            Some(Value::Object(m)) => UglyUrls::PerSection(m.iter().map(|(k, v)| (k.clone(), to_bool(v))).collect()),
            Some(v) => UglyUrls::All(to_bool(v)),
            None => UglyUrls::All(false),
        };

        let rss_limit = match get_path(root, &["services", "rss", "limit"]).map(to_int) {
            Some(n) if n != 0 => n,
            _ => get("rsslimit").map(to_int).unwrap_or(-1),
        };

        let related = get("related")
            .map(super::related::RelatedConfig::decode)
            .transpose()
            .map_err(|e| {
                let (keys, value) = e.key();
                rejected(&keys, value.as_deref(), e.to_string())
            })?;

        Ok(SiteConfig {
            related,
            files,
            environment: environment.to_string(),
            base_url: string("baseurl"),
            language_code: string("languagecode"),
            default_content_language_in_subdir: multihost
                || get("defaultcontentlanguageinsubdir").map(to_bool).unwrap_or(false),
            default_content_language,
            multihost,
            languages,
            taxonomies,
            permalinks,
            menus: get("menus").map(read_menus).unwrap_or_default(),
            summary_length: get("summarylength").map(to_int).unwrap_or(70),
            has_cjk_language: get("hascjklanguage").map(to_bool).unwrap_or(false),
            time_zone,
            pager_size,
            disable_aliases: get("disablealiases").map(to_bool).unwrap_or(false),
            enable_git_info: get("enablegitinfo").map(to_bool).unwrap_or(false),
            ugly_urls,
            content_dir,
            front_matter: FrontMatterDates::from_config(get("frontmatter")),
            rss_limit,
            title,
            raw,
        })
    }

    /// The merged configuration, keys lower-cased (except inside lists), before defaults.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// A value by dotted key path, case-insensitive (`"Params.Social"`), as Hugo's `site.Config` lookups.
    pub fn get(&self, key: &str) -> Option<&Value> {
        let parts: Vec<String> = key.split('.').map(str::to_lowercase).collect();
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        self.raw.as_object().and_then(|m| get_path(m, &parts))
    }

    /// The files read, in merge order (later ones won), for reporting and watching.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// The environment whose `config/<environment>/` was merged.
    pub fn environment(&self) -> &str {
        &self.environment
    }

    /// `baseURL` as written (empty when unset).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The path part of `baseURL` (`/news/` for `https://example.org/news/`),
    /// `/` when the URL has none, so links can be rooted under it.
    pub fn base_path(&self) -> String {
        url_path(&self.base_url)
    }

    /// The site `title`.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// `languageCode` (e.g. `en-GB`), empty when unset.
    pub fn language_code(&self) -> &str {
        &self.language_code
    }

    /// `defaultContentLanguage`, lower-cased; `en` by default.
    pub fn default_content_language(&self) -> &str {
        &self.default_content_language
    }

    /// Whether the default language also lives under `/<lang>/`; always true on multihost sites.
    pub fn default_content_language_in_subdir(&self) -> bool {
        self.default_content_language_in_subdir
    }

    /// Whether every language has its own `baseURL`.
    pub fn multihost(&self) -> bool {
        self.multihost
    }

    /// The languages in Hugo's order: by weight (unset weights last), then code.
    /// A site without `[languages]` has one, the default content language.
    pub fn languages(&self) -> &[Language] {
        &self.languages
    }

    /// One language by code (case-insensitive).
    pub fn language(&self, code: &str) -> Option<&Language> {
        let code = code.to_lowercase();
        self.languages.iter().find(|l| l.code == code)
    }

    /// Taxonomies, singular to plural; Hugo's `tag`/`category` when the key is
    /// absent, none when it is an explicit empty map.
    pub fn taxonomies(&self) -> &BTreeMap<String, String> {
        &self.taxonomies
    }

    /// Permalink patterns per section or taxonomy, raw (`/:year/:slug/`).
    pub fn permalinks(&self) -> &BTreeMap<String, String> {
        &self.permalinks
    }

    /// The site-level menus (`[[menus.main]]`, also the old `[[menu.main]]`).
    pub fn menus(&self) -> &Menus {
        &self.menus
    }

    /// The menus a language sees: its own when it defines any, else the site's.
    pub fn menus_for(&self, code: &str) -> &Menus {
        self.language(code)
            .and_then(|l| l.menus.as_ref())
            .unwrap_or(&self.menus)
    }

    /// Site `params`, keys lower-cased as Hugo stores them; an empty object when unset.
    pub fn params(&self) -> Value {
        self.raw
            .get("params")
            .cloned()
            .unwrap_or_else(|| Value::Object(Map::new()))
    }

    /// `summaryLength` in words; 70 by default.
    pub fn summary_length(&self) -> i64 {
        self.summary_length
    }

    /// `hasCJKLanguage`: count words the CJK way; false by default.
    pub fn has_cjk_language(&self) -> bool {
        self.has_cjk_language
    }

    /// `timeZone` for dates without one, if set.
    pub fn time_zone(&self) -> Option<&str> {
        self.time_zone.as_deref()
    }

    /// `related` settings, raw.
    pub fn related(&self) -> Option<&Value> {
        self.raw.get("related")
    }

    /// The `related` section decoded as hugo decodes it; `None` without one
    /// (then Gazette's own rule relates articles, not hugo's default).
    pub fn related_config(&self) -> Option<&super::related::RelatedConfig> {
        self.related.as_ref()
    }

    /// Pager size: `paginate` (also as a string) when non-zero, else
    /// `pagination.pagerSize`, else 10.
    pub fn pager_size(&self) -> i64 {
        self.pager_size
    }

    /// `enableGitInfo`: pages get their file's last commit, whose author
    /// date is the `:git` date of `[frontmatter]`.
    pub fn enable_git_info(&self) -> bool {
        self.enable_git_info
    }

    /// `disableAliases`: no redirect pages for `aliases`.
    pub fn disable_aliases(&self) -> bool {
        self.disable_aliases
    }

    /// `uglyURLs`, global or per section.
    pub fn ugly_urls(&self) -> &UglyUrls {
        &self.ugly_urls
    }

    /// `contentDir`; `content` by default.
    pub fn content_dir(&self) -> &str {
        &self.content_dir
    }

    /// `[frontmatter]` date sources, with Hugo's defaults and expansions.
    pub fn front_matter(&self) -> &FrontMatterDates {
        &self.front_matter
    }

    /// RSS item limit: `services.rss.limit` when non-zero, else `rssLimit`, else -1 (no limit).
    pub fn rss_limit(&self) -> i64 {
        self.rss_limit
    }

    /// `build` settings, raw.
    pub fn build(&self) -> Option<&Value> {
        self.raw.get("build")
    }

    /// Site-level `cascade` (a map or a list of maps), raw.
    pub fn cascade(&self) -> Option<&Value> {
        self.raw.get("cascade")
    }
}

/// The root config file Hugo would read: the first name with the first extension that exists.
fn find_root_file(site_dir: &Path) -> Option<PathBuf> {
    CONFIG_NAMES.iter().find_map(|name| {
        CONFIG_EXTENSIONS
            .iter()
            .map(|ext| site_dir.join(format!("{name}.{ext}")))
            .find(|p| p.is_file())
    })
}

/// Merges every config file under `dir` (recursively, in name order, as
/// Hugo's walk) into `root`, each under the key its file name says.
fn walk_config_dir(dir: &Path, root: &mut Map<String, Value>, files: &mut Vec<PathBuf>) -> Result<(), ConfigError> {
    let io_err = |source| ConfigError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries = fs::read_dir(dir)
        .map_err(io_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(io_err)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let file_type = entry.file_type().map_err(|source| ConfigError::Io {
            path: path.clone(),
            source,
        })?;
        if file_type.is_dir() {
            walk_config_dir(&path, root, files)?;
            continue;
        }
        if format_of(&path).is_none() {
            continue;
        }
        let item = parse_file(&path)?;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let key_path: Vec<String> = if CONFIG_NAMES.contains(&stem) {
            Vec::new()
        } else {
            // `params.toml` is params; `menus.en.toml` is languages.en.menus.
            match stem.rsplit_once('.') {
                Some((name, lang)) if !lang.is_empty() => {
                    let mut kp = vec!["languages".to_string(), lang.to_string()];
                    if matches!(name, "menu" | "menus") {
                        kp.push("menus".to_string());
                    } else if name == "params" {
                        kp.push("params".to_string());
                    }
                    kp
                }
                _ => vec![stem.to_string()],
            }
        };
        let mut wrapped = item;
        for key in key_path.iter().rev() {
            let mut m = Map::new();
            m.insert(key.to_lowercase(), Value::Object(wrapped));
            wrapped = m;
        }
        rename_keys(&mut wrapped);
        set(root, wrapped);
        files.push(path);
    }
    Ok(())
}

/// The three formats Hugo reads config from.
#[derive(Debug, Clone, Copy)]
enum Format {
    Toml,
    Yaml,
    Json,
}

/// The file and 1-based line that set the value at `keys` (lower-cased
/// config keys, e.g. `["languages", "fr"]`): the last of `files` (the one
/// whose value wins the merge) with a line for each key in turn, each at or
/// after the previous one's, the last one on a line holding `value` when
/// given and found. A file under `config/` named for the first key
/// (`languages.toml`) holds the rest. A text search, not a parse: `None`
/// when no file has the keys on their own lines.
fn locate(files: &[PathBuf], keys: &[&str], value: Option<&str>) -> Option<(PathBuf, usize)> {
    files.iter().rev().find_map(|path| {
        let text = fs::read_to_string(path).ok()?;
        let lines: Vec<&str> = text.lines().collect();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let keys = match keys.split_first() {
            Some((first, rest)) if first.eq_ignore_ascii_case(stem) && path_is_in_config_dir(path) => {
                if rest.is_empty() {
                    // The file is the value: its first key.
                    let first = lines.iter().position(|l| !line_keys(l).is_empty())?;
                    return Some((path.clone(), first + 1));
                }
                rest
            }
            _ => keys,
        };
        let (last, parents) = keys.split_last()?;
        let mut at = 0;
        for key in parents {
            at += lines[at..].iter().position(|l| line_keys(l).iter().any(|k| k == key))?;
        }
        let holds = |l: &&str| line_keys(l).iter().any(|k| k == last);
        let candidates: Vec<usize> = (at..lines.len()).filter(|&i| holds(&lines[i])).collect();
        let value = value.map(str::to_lowercase);
        let best = value
            .and_then(|v| candidates.iter().find(|&&i| lines[i].to_lowercase().contains(&v)))
            .or(candidates.first())?;
        Some((path.clone(), best + 1))
    })
}

/// Whether `path` is one of the files under a `config/` directory, each
/// named for the top-level key it holds.
fn path_is_in_config_dir(path: &Path) -> bool {
    path.parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .is_some_and(|n| n == CONFIG_DIR)
}

/// The keys a config line names, lower-cased: a TOML table header's parts
/// (`[languages.fr]`), a TOML key or dotted key before `=`, a YAML key
/// before `:` (also in a list item), a JSON key in quotes.
fn line_keys(line: &str) -> Vec<String> {
    let t = line.trim().trim_start_matches("- ").trim_start();
    if t.starts_with('#') {
        return Vec::new();
    }
    let key = if let Some(header) = t.strip_prefix('[') {
        header.trim_start_matches('[').split(']').next().unwrap_or_default()
    } else {
        let end = t.find(['=', ':']).unwrap_or(0);
        &t[..end]
    };
    key.split('.')
        .map(|k| k.trim().trim_matches(['"', '\'']).to_lowercase())
        .filter(|k| !k.is_empty())
        .collect()
}

/// The format by extension (case-insensitive), `None` for files Hugo skips.
fn format_of(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_lowercase();
    match ext.as_str() {
        "toml" => Some(Format::Toml),
        "yaml" | "yml" => Some(Format::Yaml),
        "json" => Some(Format::Json),
        _ => None,
    }
}

/// Reads and parses one file into a map with Hugo's lower-cased keys.
fn parse_file(path: &Path) -> Result<Map<String, Value>, ConfigError> {
    let text = fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let format = format_of(path).ok_or_else(|| ConfigError::Invalid {
        path: path.to_path_buf(),
        reason: "not a .toml, .yaml, .yml or .json file".to_string(),
    })?;
    let value = parse_str(&text, format).map_err(|(line, reason)| match line {
        Some(line) => ConfigError::Syntax {
            path: path.to_path_buf(),
            line,
            reason,
        },
        None => ConfigError::Invalid {
            path: path.to_path_buf(),
            reason,
        },
    })?;
    match prepare(value) {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        other => Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            reason: format!("the top level must be a map, not {}", kind(&other)),
        }),
    }
}

/// Parses text of a format; an error is the 1-based line (if known) and the reason.
fn parse_str(text: &str, format: Format) -> Result<Value, (Option<usize>, String)> {
    match format {
        Format::Toml => match toml::from_str::<toml::Table>(text) {
            Ok(t) => Ok(toml_to_json(toml::Value::Table(t))),
            Err(e) => {
                let line = e.span().map(|s| line_of(text, s.start));
                Err((line, e.message().trim().to_string()))
            }
        },
        Format::Yaml => {
            if text.trim().is_empty() {
                return Ok(Value::Null);
            }
            match serde_yaml_ng::from_str::<serde_yaml_ng::Value>(text) {
                Ok(v) => Ok(yaml_to_json(v)),
                Err(e) => {
                    let line = e.location().map(|l| l.line());
                    Err((line, strip_position(&e.to_string())))
                }
            }
        }
        Format::Json => match serde_json::from_str::<Value>(text) {
            Ok(v) => Ok(v),
            Err(e) => {
                let line = Some(e.line()).filter(|l| *l > 0);
                Err((line, strip_position(&e.to_string())))
            }
        },
    }
}

/// The 1-based line of byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    text.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1
}

/// Drops a trailing ` at line N column M` the YAML and JSON parsers append.
fn strip_position(msg: &str) -> String {
    if let Some(i) = msg.rfind(" at line ") {
        let tail = &msg[i + " at line ".len()..];
        let mut parts = tail.splitn(3, ' ');
        let is_pos = matches!(
            (parts.next(), parts.next(), parts.next()),
            (Some(l), Some("column"), Some(c)) if l.bytes().all(|b| b.is_ascii_digit()) && c.bytes().all(|b| b.is_ascii_digit())
        );
        if is_pos {
            return msg[..i].to_string();
        }
    }
    msg.to_string()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

fn toml_to_json(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(f.to_string())),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect()),
    }
}

fn yaml_to_json(v: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or_else(|| Value::String(n.to_string()))
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(s) => Value::Array(s.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let key = match yaml_to_json(k) {
                        Value::String(s) => s,
                        Value::Null => String::new(),
                        other => to_string(&other),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(t) => yaml_to_json(t.value),
    }
}

/// Hugo's `PrepareParams`: lower-cases map keys recursively, but not inside lists.
fn prepare(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k.to_lowercase(), prepare(v))).collect()),
        other => other,
    }
}

/// Hugo's key aliases: `menu` (at the root and per language) is `menus`.
fn rename_keys(root: &mut Map<String, Value>) {
    fn rename(m: &mut Map<String, Value>) {
        if let Some(v) = m.remove("menu") {
            m.insert("menus".to_string(), v);
        }
    }
    rename(root);
    if let Some(Value::Object(langs)) = root.get_mut("languages") {
        for lang in langs.values_mut() {
            if let Value::Object(l) = lang {
                rename(l);
            }
        }
    }
}

/// Hugo's `Params.Set`: maps merge deeply, anything else replaces.
fn set(dst: &mut Map<String, Value>, src: Map<String, Value>) {
    for (k, v) in src {
        match (dst.get_mut(&k), v) {
            (Some(Value::Object(d)), Value::Object(s)) => set(d, s),
            (_, v) => {
                dst.insert(k, v);
            }
        }
    }
}

fn get_path<'a>(m: &'a Map<String, Value>, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let v = m.get(*first)?;
    if rest.is_empty() {
        Some(v)
    } else {
        get_path(v.as_object()?, rest)
    }
}

/// `menus` as Hugo reads it: each menu a list of entry maps; other shapes are skipped
/// (Hugo logs them and goes on).
fn read_menus(v: &Value) -> Menus {
    let mut menus = Menus::new();
    let Value::Object(m) = v else { return menus };
    for (name, entries) in m {
        let Value::Array(entries) = entries else { continue };
        let list = menus.entry(name.clone()).or_default();
        for e in entries {
            let Value::Object(e) = e else { continue };
            let mut entry = MenuEntry {
                menu: name.clone(),
                ..MenuEntry::default()
            };
            entry.marshall(e);
            list.push(entry);
        }
    }
    menus
}

impl MenuEntry {
    /// Hugo's `MenuEntry.MarshallMap`: the keys of an entry map laid over the entry.
    fn marshall(&mut self, e: &Map<String, Value>) {
        for (k, v) in e {
            match k.to_lowercase().as_str() {
                "url" => self.url = to_string(v),
                "pageref" => self.page_ref = to_string(v),
                "weight" => self.weight = to_int(v),
                "name" => self.name = to_string(v),
                "title" => self.title = to_string(v),
                "pre" => self.pre = to_string(v),
                "post" => self.post = to_string(v),
                "identifier" => self.identifier = to_string(v),
                "parent" => self.parent = to_string(v),
                "params" => {
                    if let Value::Object(p) = prepare(v.clone()) {
                        self.params = p;
                    }
                }
                _ => {}
            }
        }
    }
}

/// The menu entries a page declares in front matter (`menus`, else
/// `menu`), as Hugo 0.111's `PageMenusFromPage` reads them: a menu name, a
/// list of names, or a map of menu name to entry map (or null). Each entry
/// is named by the page's link title and weighted by its weight unless the
/// map says otherwise. A menu named `""` (`menu: ""`, the Mainroad seed's)
/// is no menu; a form Hugo would refuse gives none.
pub fn page_menu_entries(front_matter: &Map<String, Value>, link_title: &str, weight: i64) -> Vec<MenuEntry> {
    let Some(value) = front_matter.get("menus").or_else(|| front_matter.get("menu")) else {
        return Vec::new();
    };
    let base = |menu: &str| MenuEntry {
        menu: menu.to_owned(),
        name: link_title.to_owned(),
        weight,
        ..MenuEntry::default()
    };
    let mut out: Vec<MenuEntry> = match value {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => vec![base(&to_string(value))],
        Value::Array(names) if names.iter().all(|n| !n.is_object() && !n.is_array()) => {
            names.iter().map(|n| base(&to_string(n))).collect()
        }
        Value::Object(menus) => menus
            .iter()
            .filter_map(|(name, entry)| {
                let mut e = base(&name.to_lowercase());
                match entry {
                    Value::Null => Some(e),
                    Value::Object(map) => {
                        e.marshall(map);
                        Some(e)
                    }
                    _ => None,
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    out.retain(|e| !e.menu.is_empty());
    // One entry per menu, the last one named winning, as in Hugo's map.
    let mut seen = std::collections::HashSet::new();
    out.reverse();
    out.retain(|e| seen.insert(e.menu.clone()));
    out.reverse();
    out
}

/// Go's `url.Parse(..).Path`, `/` when empty: the part after scheme and host.
fn url_path(url: &str) -> String {
    let rest = match url.find("://") {
        Some(i) => {
            let after = &url[i + 3..];
            match after.find('/') {
                Some(j) => &after[j..],
                None => "",
            }
        }
        None => url,
    };
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let path = &rest[..end];
    if path.is_empty() {
        "/".to_string()
    } else {
        path.to_string()
    }
}

/// `cast.ToString`: strings as they are, numbers and booleans printed, null empty.
fn to_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// `cast.ToInt`: numbers (floats truncated), strings Go's `ParseInt(s, 0, 0)`
/// reads (after dropping a `.0` tail), booleans as 0/1; anything else 0.
fn to_int(v: &Value) -> i64 {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)).unwrap_or(0),
        Value::Bool(b) => i64::from(*b),
        Value::String(s) => parse_go_int(s).unwrap_or(0),
        _ => 0,
    }
}

fn parse_go_int(s: &str) -> Option<i64> {
    let mut s = s;
    // cast's trimZeroDecimal: "10.0" and "10." are 10.
    if let Some((int, frac)) = s.split_once('.') {
        if frac.bytes().all(|b| b == b'0') && !int.is_empty() {
            s = int;
        } else {
            return None;
        }
    }
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let digits = digits.replace('_', "");
    let lower = digits.to_ascii_lowercase();
    let n = if let Some(h) = lower.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = lower.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else if let Some(b) = lower.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()?
    } else if lower.len() > 1 && lower.starts_with('0') {
        i64::from_str_radix(&lower[1..], 8).ok()?
    } else {
        lower.parse::<i64>().ok()?
    };
    Some(if neg { -n } else { n })
}

/// `cast.ToBool`: Go's `ParseBool` spellings for strings, non-zero numbers; anything else false.
fn to_bool(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => matches!(s.as_str(), "1" | "t" | "T" | "TRUE" | "true" | "True"),
        _ => false,
    }
}

/// `cast.ToStringSlice`: a list's items as strings, a string split on whitespace.
fn to_string_slice(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().map(to_string).collect(),
        Value::String(s) => s.split_whitespace().map(str::to_string).collect(),
        _ => Vec::new(),
    }
}
