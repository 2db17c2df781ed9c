//! Tests for `site::config` against the fixtures in `tests/sites/site-config/`.
//!
//! Values marked "hugo 0.111.3" are what `hugo config` printed for the same
//! fixture (run in its directory; `-e development` where noted).

use std::path::{Path, PathBuf};

use serde_json::json;

use super::config::{ConfigError, SiteConfig, UglyUrls};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sites/site-config")
        .join(name)
}

fn load(name: &str) -> SiteConfig {
    SiteConfig::load(&fixture(name), "production").unwrap()
}

#[test]
fn toml_site_mixed_case_keys_and_coercions() {
    let c = load("toml-site");
    assert_eq!(c.files(), [fixture("toml-site/hugo.toml")]);
    // hugo 0.111.3: baseurl = "https://example.org/news/", title = "The Gazette", languagecode = "en-GB"
    assert_eq!(c.base_url(), "https://example.org/news/");
    assert_eq!(c.base_path(), "/news/");
    assert_eq!(c.title(), "The Gazette");
    assert_eq!(c.language_code(), "en-GB");
    assert_eq!(c.default_content_language(), "fr");
    // hugo 0.111.3: defaultcontentlanguageinsubdir = "true" (a string Hugo reads with cast.ToBool)
    assert!(c.default_content_language_in_subdir());
    // hugo 0.111.3: paginate = "10"
    assert_eq!(c.pager_size(), 10);
    assert_eq!(c.summary_length(), 40);
    assert!(c.has_cjk_language());
    assert_eq!(c.time_zone(), Some("Europe/Paris"));
    assert_eq!(c.ugly_urls(), &UglyUrls::All(false));
    assert!(c.disable_aliases());
    assert_eq!(c.content_dir(), "articles");
    assert_eq!(c.rss_limit(), 25);
    // Raw lookups are case-insensitive.
    assert_eq!(c.get("BaseURL"), Some(&json!("https://example.org/news/")));
    assert_eq!(c.get("Params.Social.Mastodon"), Some(&json!("@ada@example.org")));
    assert_eq!(c.get("nope.nested"), None);
}

#[test]
fn toml_site_params_are_lower_cased_values_kept() {
    let c = load("toml-site");
    // hugo 0.111.3: params = map[authorname:Ada description:Daily news social:map[mastodon:@ada@example.org]]
    assert_eq!(
        c.params(),
        json!({"authorname": "Ada", "description": "Daily news", "social": {"mastodon": "@ada@example.org"}})
    );
}

#[test]
fn toml_site_languages_in_weight_order_with_defaults() {
    let c = load("toml-site");
    let codes: Vec<&str> = c.languages().iter().map(|l| l.code.as_str()).collect();
    // hugo 0.111.3 printed the key `EN` as `en`.
    assert_eq!(codes, ["fr", "en"]);
    let fr = &c.languages()[0];
    assert_eq!(fr.weight, 1);
    assert_eq!(fr.language_name, "Français");
    assert_eq!(fr.title, "La Gazette");
    assert_eq!(fr.content_dir, "articles/fr");
    // Language params replace site params key by key.
    assert_eq!(fr.params["description"], json!("Nouvelles du jour"));
    assert_eq!(fr.params["authorname"], json!("Ada"));
    let en = c.language("EN").unwrap();
    assert_eq!(en.title, "The Gazette", "falls back to the site title");
    assert_eq!(en.content_dir, "articles", "falls back to the site contentDir");
    assert_eq!(en.time_zone.as_deref(), Some("Europe/Paris"));
    assert_eq!(en.params["description"], json!("Daily news"));
    assert!(!c.multihost());
}

#[test]
fn toml_site_taxonomies_permalinks_menus() {
    let c = load("toml-site");
    // hugo 0.111.3: taxonomies = map[series:series tag:tags] (no default category once set)
    let tax: Vec<(&str, &str)> = c.taxonomies().iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(tax, [("series", "series"), ("tag", "tags")]);
    // hugo 0.111.3: permalinks = map[posts:/:year/:month/:slug/ tags:/topics/:slug/]
    assert_eq!(c.permalinks()["posts"], "/:year/:month/:slug/");
    assert_eq!(c.permalinks()["tags"], "/topics/:slug/");

    // hugo 0.111.3 keeps key case inside the list (Name, URL, Weight); entries read them case-insensitively.
    let main = &c.menus()["main"];
    assert_eq!(main.len(), 2);
    assert_eq!(main[0].name, "Home");
    assert_eq!(main[0].url, "/");
    assert_eq!(main[0].weight, 1);
    assert_eq!(main[0].identifier, "home");
    assert_eq!(main[0].menu, "main");
    assert_eq!(main[1].name, "About");
    assert_eq!(main[1].page_ref, "/about");
    assert_eq!(main[1].parent, "home");
    assert_eq!(main[1].pre, "<i>");
    assert_eq!(main[1].post, "</i>");
    assert_eq!(main[1].params.get("class"), Some(&json!("nav-about")));
    assert_eq!(c.menus_for("fr")["main"].len(), 2, "no language menus: the site's");
}

#[test]
fn toml_site_front_matter_related_build_cascade() {
    let c = load("toml-site");
    let fm = c.front_matter();
    // date = ["date", ":filename", ":default"]: :default expands to Hugo's default date list.
    assert_eq!(
        fm.date,
        [
            "date",
            ":filename",
            "publishdate",
            "pubdate",
            "published",
            "lastmod",
            "modified"
        ]
    );
    assert_eq!(fm.lastmod, [":filemodtime"]);
    assert_eq!(fm.publish_date, ["publishdate", "pubdate", "published", "date"]);
    assert_eq!(fm.expiry_date, ["expirydate", "unpublishdate"]);
    assert_eq!(c.related(), Some(&json!({"threshold": 80})));
    // hugo 0.111.3: build = map[writestats:true]
    assert_eq!(c.build(), Some(&json!({"writestats": true})));
    // hugo 0.111.3: cascade = [map[_target:map[path:/posts/**] banner:x.jpg]]
    assert_eq!(
        c.cascade(),
        Some(&json!([{"banner": "x.jpg", "_target": {"path": "/posts/**"}}]))
    );
}

#[test]
fn yaml_split_site_production_overrides_default() {
    let c = load("yaml-split");
    // hugo 0.111.3: baseurl: "https://www.example.com/site/" (config/production/hugo.yaml wins)
    assert_eq!(c.base_url(), "https://www.example.com/site/");
    assert_eq!(c.base_path(), "/site/");
    assert_eq!(c.title(), "Split Site");
    // hugo 0.111.3: params: map[colors:map[accent:green primary:blue] logo:logo.png] — merged deeply
    assert_eq!(
        c.params(),
        json!({"logo": "logo.png", "colors": {"primary": "blue", "accent": "green"}})
    );
    // hugo 0.111.3: taxonomies: map[] — an explicit empty map means no taxonomies.
    assert!(c.taxonomies().is_empty());
    // hugo 0.111.3: paginate: 5, pagination: map[pagersize:12]; paginate wins as in Hugo 0.128–0.136.
    assert_eq!(c.pager_size(), 5);
    // hugo 0.111.3: services: map[rss:map[limit:20]], rsslimit: -1
    assert_eq!(c.rss_limit(), 20);
    assert_eq!(c.permalinks()["posts"], "/blog/:slug/");
    assert_eq!(c.get("enableRobotsTXT"), Some(&json!(true)));
    assert_eq!(c.environment(), "production");
    let names: Vec<String> = c
        .files()
        .iter()
        .map(|p| p.strip_prefix(fixture("yaml-split")).unwrap().display().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "config/_default/hugo.yaml",
            "config/_default/languages.yaml",
            "config/_default/menus.en.yaml",
            "config/_default/menus.yaml",
            "config/_default/params.yaml",
            "config/_default/permalinks.yaml",
            "config/production/hugo.yaml",
            "config/production/params.yaml",
        ]
    );
}

#[test]
fn yaml_split_site_languages_and_menus() {
    let c = load("yaml-split");
    // Weight 1, weight 2, then unset weight (0) last, as Hugo's Languages.Less.
    let codes: Vec<&str> = c.languages().iter().map(|l| l.code.as_str()).collect();
    assert_eq!(codes, ["zh-cn", "en", "de"]);
    let zh = c.language("zh-CN").unwrap();
    assert_eq!(zh.title, "分割站点");
    assert_eq!(zh.language_name, "中文");
    assert_eq!(zh.params["logo"], json!("logo-zh.png"));
    assert_eq!(zh.params["colors"], json!({"primary": "blue", "accent": "green"}));
    // hugo 0.111.3: menus.en.yaml went to languages.en.menus; menus.yaml to menus.
    assert_eq!(c.menus_for("en")["main"][0].name, "Docs");
    assert_eq!(c.menus_for("en")["main"][0].weight, 10);
    assert!(
        !c.menus_for("en").contains_key("footer"),
        "a language's menus replace the site's"
    );
    assert_eq!(c.menus_for("de")["footer"][0].url, "/imprint/");
    assert_eq!(c.menus().len(), 1);
}

#[test]
fn yaml_split_site_development_environment() {
    let c = SiteConfig::load(&fixture("yaml-split"), "development").unwrap();
    // hugo 0.111.3 (-e development): baseurl: "http://localhost:1313/", params colors accent:red
    assert_eq!(c.base_url(), "http://localhost:1313/");
    assert_eq!(c.base_path(), "/");
    assert_eq!(c.params()["colors"]["accent"], json!("red"));
    // Without the production override only `paginate` is left.
    assert_eq!(c.pager_size(), 5);
    // An environment without a directory just uses _default.
    let s = SiteConfig::load(&fixture("yaml-split"), "staging").unwrap();
    assert_eq!(s.base_url(), "https://example.com/");
}

#[test]
fn json_site_aliases_and_string_coercions() {
    let c = load("json-site");
    // hugo 0.111.3: baseurl: "https://json.example.net", paginate: 7, uglyurls: "true"
    assert_eq!(c.base_url(), "https://json.example.net");
    assert_eq!(c.base_path(), "/");
    assert_eq!(c.pager_size(), 7);
    assert!(c.ugly_urls().for_section("posts"));
    // hugo 0.111.3: params: map[author:map[name:Grace] tags:[a B]]
    assert_eq!(c.params(), json!({"author": {"name": "Grace"}, "tags": ["a", "B"]}));
    assert_eq!(c.taxonomies().len(), 1);
    assert_eq!(c.taxonomies()["author"], "authors");
    // hugo 0.111.3: menus: map[main:[map[name:Blog url:/blog/ weight:3]]] — `menu` renamed to `menus`
    let blog = &c.menus()["main"][0];
    assert_eq!(
        (blog.name.as_str(), blog.url.as_str(), blog.weight),
        ("Blog", "/blog/", 3)
    );
    // hugo 0.111.3: services: map[rss:map[limit:0]], rsslimit: 15 — a zero services limit falls back.
    assert_eq!(c.rss_limit(), 15);
    assert_eq!(
        c.front_matter().publish_date,
        [":filename", "publishdate", "pubdate", "published", "date"]
    );
    // Defaults for everything not set.
    assert_eq!(c.default_content_language(), "en");
    assert_eq!(c.languages().len(), 1);
    assert_eq!(c.languages()[0].code, "en");
    assert_eq!(c.languages()[0].title, "JSON Site");
    assert_eq!(c.summary_length(), 70);
    assert!(!c.has_cjk_language());
    assert_eq!(c.content_dir(), "content");
    assert!(c.default_content_language_in_subdir());
    assert!(!c.disable_aliases());
    assert_eq!(c.time_zone(), None);
}

#[test]
fn broken_toml_names_file_and_line() {
    let dir = fixture("broken-toml");
    let err = SiteConfig::load(&dir, "production").unwrap_err();
    // hugo 0.111.3: "…/broken-toml/hugo.toml:5:30": unmarshal failed: toml: basic strings cannot have new lines
    assert_eq!(err.line(), Some(5));
    assert_eq!(err.path(), dir.join("hugo.toml"));
    let shown = err.to_string();
    assert!(
        shown.starts_with(&format!("{}:5: ", dir.join("hugo.toml").display())),
        "{shown}"
    );
}

#[test]
fn broken_yaml_names_file_and_line() {
    let dir = fixture("broken-yaml");
    let err = SiteConfig::find(&dir, "production").unwrap_err();
    // hugo 0.111.3: "…/broken-yaml/config.yaml:5:1": … yaml: line 5: mapping values are not allowed in this context
    assert!(matches!(err, ConfigError::Syntax { line: 5, .. }), "{err:?}");
    let shown = err.to_string();
    let prefix = format!("{}:5: ", dir.join("config.yaml").display());
    assert!(shown.starts_with(&prefix), "{shown}");
    assert!(shown.contains("mapping values are not allowed"), "{shown}");
    assert!(
        !shown.contains(" at line "),
        "the position is only in the prefix: {shown}"
    );
}

#[test]
fn directory_without_config_is_none() {
    // hugo 0.111.3: Error: Unable to locate config file or config directory.
    let dir = fixture("empty-dir");
    assert!(SiteConfig::find(&dir, "production").unwrap().is_none());
    let err = SiteConfig::load(&dir, "production").unwrap_err();
    assert!(matches!(err, ConfigError::NotFound { .. }));
    assert!(err.to_string().starts_with(&format!("{}: ", dir.display())));
}

#[test]
fn missing_directory_is_an_io_error() {
    let err = SiteConfig::find(&fixture("no-such-site"), "production").unwrap_err();
    assert!(matches!(err, ConfigError::Io { .. }), "{err:?}");
}

mod scratch {
    //! Sites written to a temporary directory, for cases not worth a fixture.

    use std::fs;

    use super::*;

    fn site(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn hugo_toml_wins_over_config_toml_and_toml_over_yaml() {
        let d = site(&[
            ("config.toml", "title = 'config'"),
            ("hugo.yaml", "title: hugo-yaml"),
            ("hugo.toml", "title = 'hugo-toml'"),
        ]);
        let c = SiteConfig::load(d.path(), "production").unwrap();
        assert_eq!(c.title(), "hugo-toml");
        assert_eq!(c.files().len(), 1);
    }

    #[test]
    fn config_dir_merges_over_root_file_and_defaults_apply() {
        let d = site(&[
            ("hugo.toml", "title = 'root'\n[params]\na = 1\nb = 2\n"),
            ("config/_default/params.toml", "b = 3\nc = [1, 2]"),
            ("config/production/params.json", r#"{"c": [9]}"#),
        ]);
        let c = SiteConfig::load(d.path(), "production").unwrap();
        assert_eq!(c.title(), "root");
        assert_eq!(
            c.params(),
            json!({"a": 1, "b": 3, "c": [9]}),
            "lists are replaced, not merged"
        );
        let tax: Vec<&str> = c.taxonomies().keys().map(String::as_str).collect();
        assert_eq!(tax, ["category", "tag"], "Hugo's default taxonomies");
        assert_eq!(c.rss_limit(), -1);
        assert_eq!(c.pager_size(), 10);
        assert_eq!(
            c.front_matter().lastmod,
            [
                ":git",
                "lastmod",
                "modified",
                "date",
                "publishdate",
                "pubdate",
                "published"
            ]
        );
    }

    #[test]
    fn only_a_config_dir_counts_as_a_site() {
        let d = site(&[("config/_default/.keep", "")]);
        let c = SiteConfig::find(d.path(), "production").unwrap().unwrap();
        assert!(c.files().is_empty());
        assert_eq!(c.default_content_language(), "en");
    }

    #[test]
    fn pagination_pager_size_and_string_forms() {
        let d = site(&[(
            "hugo.yaml",
            "pagination:\n  pagerSize: '25'\nsummaryLength: '12.0'\nhasCJKLanguage: 'T'\n",
        )]);
        let c = SiteConfig::load(d.path(), "production").unwrap();
        assert_eq!(c.pager_size(), 25);
        assert_eq!(c.summary_length(), 12);
        assert!(c.has_cjk_language());
    }

    #[test]
    fn ugly_urls_per_section() {
        let d = site(&[("hugo.toml", "[uglyURLs]\nPosts = true\npages = 'false'\n")]);
        let c = SiteConfig::load(d.path(), "production").unwrap();
        assert!(c.ugly_urls().for_section("posts"));
        assert!(!c.ugly_urls().for_section("pages"));
        assert!(!c.ugly_urls().for_section("other"));
    }

    #[test]
    fn unknown_default_language_is_an_error() {
        let d = site(&[(
            "hugo.toml",
            "defaultContentLanguage = 'de'\n[languages.en]\nweight = 1\n",
        )]);
        let err = SiteConfig::load(d.path(), "production").unwrap_err();
        assert!(
            err.to_string().contains("does not match any language definition"),
            "{err}"
        );
        assert_eq!(
            (err.path(), err.line()),
            (d.path().join("hugo.toml").as_path(), Some(1))
        );
        assert!(
            err.to_string()
                .starts_with(&format!("{}:1: ", d.path().join("hugo.toml").display())),
            "{err}"
        );
        // Not set (Hugo's `en`), in a YAML file under config/: the languages' line.
        let d = site(&[
            ("config/_default/hugo.yaml", "title: t\n"),
            (
                "config/_default/languages.yaml",
                "# the site's languages\nde:\n  weight: 1\n",
            ),
        ]);
        let err = SiteConfig::load(d.path(), "production").unwrap_err();
        assert_eq!(
            (err.path(), err.line()),
            (d.path().join("config/_default/languages.yaml").as_path(), Some(2)),
            "{err}"
        );
    }

    #[test]
    fn a_value_hugo_rejects_after_the_merge_names_the_file_and_line_that_set_it() {
        let at = |err: &ConfigError| (err.path().to_path_buf(), err.line());
        // The environment's file wins the merge, so it is the one named.
        let d = site(&[
            ("hugo.toml", "defaultContentLanguage = 'en'\n"),
            ("config/production/params.toml", "x = 1\n"),
            (
                "config/production/hugo.toml",
                "title = 'prod'\n\n[languages]\n  [languages.en]\n  weight = 1\n  [languages.fr]\n  weight = 2\n",
            ),
            ("config/production/languages.toml", ""),
        ]);
        assert!(SiteConfig::load(d.path(), "production").is_ok());
        let d = site(&[(
            "hugo.toml",
            "title = 'x'\ndisableLanguages = ['fr']\ndisableLanguages2 = 1\n[languages.en]\n[languages.fr]\n",
        )]);
        assert!(SiteConfig::load(d.path(), "production").is_ok());
        let d = site(&[(
            "hugo.toml",
            "title = 'x'\ndefaultContentLanguage = 'en'\ndisableLanguages = ['en']\n[languages.en]\n[languages.fr]\n",
        )]);
        let err = SiteConfig::load(d.path(), "production").unwrap_err();
        assert!(err.to_string().contains("cannot disable default language"), "{err}");
        assert_eq!(at(&err), (d.path().join("hugo.toml"), Some(3)));
        // The language without a baseURL, in its own table.
        let d = site(&[(
            "hugo.toml",
            "[languages.en]\nbaseURL = 'https://en.example'\n[languages.fr]\nweight = 2\n",
        )]);
        let err = SiteConfig::load(d.path(), "production").unwrap_err();
        assert_eq!(at(&err), (d.path().join("hugo.toml"), Some(3)), "{err}");
        // A language that is not a map, in config/_default/languages.toml.
        let d = site(&[
            ("config/_default/hugo.toml", "title = 'x'\n"),
            (
                "config/_default/languages.toml",
                "# two languages\nfr = 'French'\n\n[en]\nweight = 1\n",
            ),
        ]);
        let err = SiteConfig::load(d.path(), "production").unwrap_err();
        assert!(err.to_string().contains("config is not a map"), "{err}");
        assert_eq!(
            at(&err),
            (d.path().join("config/_default/languages.toml"), Some(2)),
            "{err}"
        );
        // related: the refused value's line, among its siblings.
        let d = site(&[(
            "hugo.json",
            "{\n  \"title\": \"x\",\n  \"related\": {\n    \"indices\": [\n      { \"name\": \"tags\", \"type\": \"basic\" },\n      { \"name\": \"keywords\",\n        \"type\": \"headings\" }\n    ]\n  }\n}\n",
        )]);
        let err = SiteConfig::load(d.path(), "production").unwrap_err();
        assert!(err.to_string().contains("invalid index type `headings`"), "{err}");
        assert_eq!(at(&err), (d.path().join("hugo.json"), Some(7)), "{err}");
    }

    #[test]
    fn multihost_needs_every_base_url() {
        let d = site(&[(
            "hugo.toml",
            "[languages.en]\nbaseURL = 'https://en.example'\n[languages.fr]\nbaseURL = 'https://fr.example'\n",
        )]);
        let c = SiteConfig::load(d.path(), "production").unwrap();
        assert!(c.multihost());
        assert!(c.default_content_language_in_subdir());
        let d = site(&[(
            "hugo.toml",
            "[languages.en]\nbaseURL = 'https://en.example'\n[languages.fr]\n",
        )]);
        assert!(SiteConfig::load(d.path(), "production").is_err());
    }

    #[test]
    fn a_related_section_hugo_refuses_stops_loading_and_a_good_one_is_decoded() {
        let d = site(&[("hugo.toml", "[related]\nthreshold = 101\n")]);
        let err = SiteConfig::load(d.path(), "production").expect_err("threshold 101");
        assert!(err.to_string().contains("threshold must be between 0 and 100"), "{err}");
        assert_eq!(err.line(), Some(2), "{err}");
        let d = site(&[(
            "hugo.toml",
            "[related]\n[[related.indices]]\nname = 'fragmentrefs'\ntype = 'headings'\n",
        )]);
        let err = SiteConfig::load(d.path(), "production").expect_err("type headings");
        assert!(err.to_string().contains("invalid index type `headings`"), "{err}");
        let d = site(&[(
            "hugo.toml",
            "[related]\nthreshold = 10\n[[related.indices]]\nname = 'tags'\nweight = 80\n",
        )]);
        let c = SiteConfig::load(d.path(), "production").expect("loads");
        let r = c.related_config().expect("a related config");
        assert_eq!((r.threshold, r.indices.len(), r.indices[0].weight), (10, 1, 80));
        let d = site(&[("hugo.toml", "title = 'no related'")]);
        let c = SiteConfig::load(d.path(), "production").expect("loads");
        assert!(c.related_config().is_none());
    }

    #[test]
    fn broken_file_in_config_dir_stops_loading() {
        let d = site(&[
            ("hugo.toml", "title = 'ok'"),
            ("config/_default/a.toml", "x = "),
            ("config/_default/b.toml", "y = 1"),
        ]);
        let err = SiteConfig::load(d.path(), "production").unwrap_err();
        assert_eq!(err.path(), d.path().join("config/_default/a.toml"));
        assert_eq!(err.line(), Some(1));
    }

    #[test]
    fn broken_json_has_a_line() {
        let d = site(&[("config.json", "{\n  \"title\": \"x\",\n  oops\n}\n")]);
        let err = SiteConfig::load(d.path(), "production").unwrap_err();
        assert_eq!(err.line(), Some(3), "{err}");
        assert!(!err.to_string().contains("column"), "{err}");
    }

    #[test]
    fn top_level_list_is_rejected_without_line() {
        let d = site(&[("hugo.yaml", "- a\n- b\n")]);
        let err = SiteConfig::load(d.path(), "production").unwrap_err();
        assert_eq!(err.line(), None);
        assert_eq!(
            err.to_string(),
            format!(
                "{}: the top level must be a map, not a list",
                d.path().join("hugo.yaml").display()
            )
        );
    }

    #[test]
    fn empty_yaml_file_is_an_empty_config() {
        let d = site(&[("hugo.yaml", "# nothing yet\n")]);
        let c = SiteConfig::load(d.path(), "production").unwrap();
        assert_eq!(c.title(), "");
        assert_eq!(c.base_path(), "/");
    }
}

/// The list pages' paths of tests/sites/feeds, by default and in its `ugly`
/// environment, as hugo 0.111.3 wrote them (tests/sites/feeds/expected*/).
#[test]
fn list_pages_and_their_feed_folders_are_where_hugo_puts_them() {
    use super::url::PageKind;
    use super::Site;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sites/feeds");
    let term = |name: &str| ["tags".to_owned(), name.to_owned()];

    let site = Site::load(&dir, "production").unwrap();
    assert!(site.multilingual());
    assert_eq!(site.language_codes(), ["en", "fr"]);
    assert_eq!(site.feed_dir(PageKind::Home, "en", &[]).unwrap(), "/");
    assert_eq!(site.feed_dir(PageKind::Home, "fr", &[]).unwrap(), "/fr/");
    assert_eq!(
        site.feed_dir(PageKind::Term, "en", &term("Central Banks")).unwrap(),
        "/tags/central-banks/"
    );
    assert_eq!(
        site.list_path(PageKind::Term, "fr", &term("Rates")).unwrap(),
        "/fr/tags/rates/"
    );
    // hugo 0.111.3: <language>en-us</language> (the site's), <language>fr-FR</language> (fr's own).
    assert_eq!(site.language_tag("en"), "en-us");
    assert_eq!(site.language_tag("fr"), "fr-FR");
    assert_eq!(site.title_in("fr"), "Le Fixture");
    assert_eq!(site.title_in("en"), "The Fixture Times");

    // uglyURLs moves the pages, not the feeds (Hugo's RSS format is noUgly).
    let ugly = Site::load(&dir, "ugly").unwrap();
    assert_eq!(ugly.feed_dir(PageKind::Home, "en", &[]).unwrap(), "/en/");
    assert_eq!(
        ugly.feed_dir(PageKind::Term, "en", &term("Rates")).unwrap(),
        "/en/tags/rates/"
    );
    assert_eq!(
        ugly.list_path(PageKind::Term, "en", &term("Rates")).unwrap(),
        "/en/tags/rates.html"
    );

    // A site without a config: one language, Hugo's default.
    let plain = Site::default();
    assert!(!plain.multilingual());
    assert_eq!(plain.language_codes(), ["en"]);
    assert_eq!(plain.language_tag("en"), "en");
    assert_eq!(plain.title_in("en"), "");
}
