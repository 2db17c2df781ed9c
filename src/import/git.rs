//! Hugo's `enableGitInfo`: the last commit of each file of the repository
//! the content is in, as Hugo's gitmap reads `git log --name-only
//! --no-merges` (newest commit first, each file's first appearance wins).
//! Its author date is the `:git` date of `[frontmatter]`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};

/// Why the repository's history could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: reading the git history: {reason}")]
pub struct GitError {
    pub path: PathBuf,
    pub reason: String,
}

/// Each committed file's last author date, by path below the work tree.
#[derive(Debug, Default)]
pub struct GitDates {
    /// The work tree, canonical, which `by_path` is relative to.
    root: PathBuf,
    by_path: HashMap<String, DateTime<FixedOffset>>,
    /// The commit the history was read from, for telling a new one.
    pub head: String,
}

impl GitDates {
    /// The history of the repository holding `dir`, or `None` when `dir`
    /// is in none (Hugo then has no git dates either). A history that
    /// cannot be read (a missing object) is an error.
    pub fn read(dir: &Path) -> Result<Option<GitDates>, GitError> {
        let fail = |reason: String| GitError {
            path: dir.to_path_buf(),
            reason,
        };
        let repo = match gix::discover(dir) {
            Ok(repo) => repo,
            // Not in a repository (or one that cannot be opened): no git
            // dates, as Hugo then logs the failure and builds without them.
            Err(e) => {
                tracing::warn!(folder = %dir.display(), error = %e, "enableGitInfo: no git repository");
                return Ok(None);
            }
        };
        let Some(root) = repo.workdir().map(Path::to_path_buf) else {
            return Ok(None);
        };
        let root = std::fs::canonicalize(&root).map_err(|e| fail(e.to_string()))?;
        // A repository without commits has no history to read.
        let Ok(head) = repo.head_id() else {
            return Ok(Some(GitDates {
                root,
                ..GitDates::default()
            }));
        };
        let mut by_path = HashMap::new();
        let walk = repo
            .rev_walk([head.detach()])
            .sorting(gix::revision::walk::Sorting::ByCommitTime(Default::default()))
            .all()
            .map_err(|e| fail(e.to_string()))?;
        let mut state = gix::diff::tree::State::default();
        let empty = repo.empty_tree();
        for info in walk {
            let commit = info
                .map_err(|e| fail(e.to_string()))?
                .object()
                .map_err(|e| fail(e.to_string()))?;
            // `--no-merges`: a merge's changes are its parents' commits'.
            let mut parents = commit.parent_ids();
            let parent = parents.next();
            if parents.next().is_some() {
                continue;
            }
            let tree = commit.tree().map_err(|e| fail(e.to_string()))?;
            let before = match parent {
                Some(id) => id
                    .object()
                    .map_err(|e| fail(e.to_string()))?
                    .into_commit()
                    .tree()
                    .map_err(|e| fail(e.to_string()))?,
                None => empty.clone(),
            };
            let mut changes = gix::diff::tree::Recorder::default();
            gix::diff::tree(
                gix::objs::TreeRefIter::from_bytes(&before.data, repo.object_hash()),
                gix::objs::TreeRefIter::from_bytes(&tree.data, repo.object_hash()),
                &mut state,
                &repo.objects,
                &mut changes,
            )
            .map_err(|e| fail(e.to_string()))?;
            let author = commit.author().map_err(|e| fail(e.to_string()))?;
            let time = author.time().map_err(|e| fail(e.to_string()))?;
            let date = FixedOffset::east_opt(time.offset)
                .and_then(|offset| DateTime::from_timestamp(time.seconds, 0).map(|d| d.with_timezone(&offset)));
            let Some(date) = date else { continue };
            for change in changes.records {
                use gix::diff::tree::recorder::Change;
                let (Change::Addition { path, entry_mode, .. }
                | Change::Modification { path, entry_mode, .. }
                | Change::Deletion { path, entry_mode, .. }) = change;
                if !entry_mode.is_tree() {
                    by_path.entry(path.to_string()).or_insert(date);
                }
            }
        }
        Ok(Some(GitDates {
            root,
            by_path,
            head: head.to_string(),
        }))
    }

    /// The author date of the last commit that changed `file`, if any
    /// commit did.
    pub fn date_of(&self, file: &Path) -> Option<DateTime<FixedOffset>> {
        let file = std::fs::canonicalize(file).ok()?;
        let rel = file.strip_prefix(&self.root).ok()?;
        let key = rel.to_string_lossy().replace('\\', "/");
        self.by_path.get(&key).copied()
    }
}
