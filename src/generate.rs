//! `gazette generate`: a deterministic synthetic corpus in the seed's file
//! format, for benchmarks and load tests. Same seed, same bytes.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Tags in the pool, drawn with a Zipf-like skew (a few are very popular).
pub const TAG_POOL: usize = 2_000;
/// Categories in the pool.
pub const CATEGORY_POOL: usize = 50;

const ZH_WORDS: &[&str] = &[
    "美联储",
    "利率",
    "通胀",
    "央行",
    "市场",
    "投资者",
    "债券",
    "收益率",
    "美元",
    "欧元",
    "日元",
    "黄金",
    "原油",
    "股市",
    "经济",
    "增长",
    "就业",
    "数据",
    "政策",
    "官员",
    "表示",
    "预期",
    "上涨",
    "下跌",
    "风险",
    "贸易",
    "关税",
    "北约",
    "和谈",
    "乌克兰",
    "俄罗斯",
    "特朗普",
    "欧洲",
    "中国",
    "银行",
    "财政",
    "赤字",
    "降息",
];
const EN_WORDS: &[&str] = &[
    "federal",
    "reserve",
    "rates",
    "inflation",
    "markets",
    "investors",
    "bonds",
    "yields",
    "dollar",
    "euro",
    "gold",
    "oil",
    "stocks",
    "economy",
    "growth",
    "jobs",
    "data",
    "policy",
    "officials",
    "said",
    "expected",
    "rose",
    "fell",
    "risk",
    "trade",
    "tariffs",
    "central",
    "bank",
    "fiscal",
    "deficit",
    "cut",
    "outlook",
];

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub articles: usize,
    pub seed: u64,
}

/// A Zipf-like draw over `0..n`: rank r is drawn with weight 1/(r+1).
fn zipf(rng: &mut ChaCha8Rng, n: usize) -> usize {
    // Inverse of the continuous approximation: rank ≈ exp(u · ln n) − 1.
    let u: f64 = rng.random();
    let rank = ((n as f64 + 1.0).ln() * u).exp() - 1.0;
    (rank as usize).min(n - 1)
}

fn tag_name(i: usize) -> String {
    if i.is_multiple_of(2) {
        format!("{}{}", ZH_WORDS[i % ZH_WORDS.len()], i / 2)
    } else {
        format!("{} {}", EN_WORDS[i % EN_WORDS.len()], i / 2)
    }
}

fn sentence(rng: &mut ChaCha8Rng, zh: bool) -> String {
    let n = rng.random_range(8..20);
    if zh {
        let mut s: String = (0..n).map(|_| ZH_WORDS[rng.random_range(0..ZH_WORDS.len())]).collect();
        s.push('。');
        s
    } else {
        let words: Vec<&str> = (0..n).map(|_| EN_WORDS[rng.random_range(0..EN_WORDS.len())]).collect();
        let mut s = words.join(" ");
        if let Some(first) = s.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        s.push('.');
        s
    }
}

/// A body of 1 to 4 KB: paragraphs of sentences, a heading or two, some bold.
fn body(rng: &mut ChaCha8Rng, zh: bool, id: usize) -> String {
    let target = rng.random_range(1_024..4_096);
    let mut out = String::with_capacity(target + 128);
    let mut paragraph = 0;
    while out.len() < target {
        if paragraph % 4 == 2 {
            out.push_str(&format!("## {}\n\n", sentence(rng, zh).trim_end_matches(['。', '.'])));
        }
        let sentences: Vec<String> = (0..rng.random_range(2..5)).map(|_| sentence(rng, zh)).collect();
        let mut p = sentences.join(if zh { "" } else { " " });
        if paragraph % 3 == 1 {
            p = format!("**{p}**");
        }
        out.push_str(&p);
        out.push_str("\n\n");
        paragraph += 1;
    }
    out.push_str(&format!("[gazette-bench](https://example.com/news/{id})\n"));
    out
}

/// Writes the corpus into `out` (created if missing); returns the number of files.
pub fn write(plan: Plan, out: &Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(out)?;
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    let start = DateTime::<Utc>::from_timestamp(1_609_459_200, 0).unwrap_or_default(); // 2021-01-01
    let span = 5 * 365 * 24 * 3600;
    let mut files = 0;
    for id in 0..plan.articles {
        let zh = rng.random_bool(0.6);
        let date = start + Duration::seconds(rng.random_range(0..span));
        let mut tags: Vec<String> = Vec::new();
        for _ in 0..rng.random_range(3..=8) {
            let t = tag_name(zipf(&mut rng, TAG_POOL));
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        let categories: Vec<String> = (0..rng.random_range(1..=2))
            .map(|_| format!("category-{}", zipf(&mut rng, CATEGORY_POOL)))
            .fold(Vec::new(), |mut v, c| {
                if !v.contains(&c) {
                    v.push(c);
                }
                v
            });
        let translated = rng.random_bool(0.2);
        let lang = if zh { "zh-CN" } else { "en" };
        let title = sentence(&mut rng, zh).trim_end_matches(['。', '.']).to_owned();
        let text = body(&mut rng, zh, id);
        let list = |items: &[String]| items.iter().map(|i| format!("  - \"{i}\"\n")).collect::<String>();
        let front = format!(
            "---\ntitle: \"{title}\"\ndate: \"{}\"\ncategories:\n{}lang:\n  - \"{lang}\"\ntranslations:\n  - \"{lang}\"\ntags:\n{}menu: \"\"\nthumbnail: \"{}\"\nlead: \"\"\ncomments: false\nauthorbox: false\npager: true\ntoc: false\nmathjax: false\nsidebar: \"right\"\nwidgets:\n  - \"search\"\n  - \"recent\"\n  - \"taglist\"\n---\n\n",
            date.format("%Y-%m-%d %H:%M:%S"),
            list(&categories),
            list(&tags),
            if id.is_multiple_of(3) { format!("https://example.com/img/{id}.png") } else { String::new() },
        );
        std::fs::write(out.join(format!("{id:06}.md")), format!("{front}{text}"))?;
        files += 1;
        if translated {
            let other = if zh { "en" } else { "zh" };
            let t_title = sentence(&mut rng, !zh).trim_end_matches(['。', '.']).to_owned();
            let t_body = body(&mut rng, !zh, id);
            let t_front = format!(
                "---\ntitle: \"{t_title}\"\ndate: \"{}\"\n---\n\n",
                date.format("%Y-%m-%d %H:%M:%S")
            );
            std::fs::write(out.join(format!("{id:06}.{other}.md")), format!("{t_front}{t_body}"))?;
            files += 1;
        }
    }
    Ok(files)
}
