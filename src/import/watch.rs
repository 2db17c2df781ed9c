//! `serve --watch`: re-imports the content folder when files change, are
//! added or are removed (debounced), and unpublishes the article of a
//! removed file. A broken file is reported and its previous version stays.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{new_debouncer, DebounceEventResult};
use sea_orm::DatabaseConnection;

use crate::live::Hub;

use super::{run, Event, ImportError, ReadOptions, Summary};

/// Files of `root` an import saw (stored or failed), as stored paths.
fn seen_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Imports `root`, logging each failure and telling `hub`'s subscribers of
/// each change as it is committed; returns the summary and every file seen.
pub async fn import_logged(
    db: &DatabaseConnection,
    root: &Path,
    opts: &ReadOptions,
    hub: &Hub,
) -> Result<(Summary, HashSet<String>), ImportError> {
    let mut seen = HashSet::new();
    let summary = run(db, &[root.to_path_buf()], opts, |event| match event {
        Event::Done { path, change, .. } => {
            seen.insert(seen_path(root, path));
            hub.announce(change);
        }
        Event::Failed(e) => {
            tracing::warn!("{e}");
            seen.insert(seen_path(root, &e.path));
        }
        Event::Found(_) => {}
    })
    .await?;
    Ok((summary, seen))
}

/// A watch on the content folder, registered before the first import so
/// that no change made while the server starts is missed.
pub struct Watcher {
    root: PathBuf,
    // Dropping the debouncer ends the watch; it lives as long as `follow`.
    _debouncer: notify_debouncer_mini::Debouncer<notify_debouncer_mini::notify::RecommendedWatcher>,
    changes: tokio::sync::mpsc::UnboundedReceiver<()>,
}

impl Watcher {
    /// Starts watching `root` (recursively); changes are reported once
    /// `debounce` has passed without another.
    pub fn start(root: PathBuf, debounce: Duration) -> Result<Self, ImportError> {
        let (tx, changes) = tokio::sync::mpsc::unbounded_channel::<()>();
        let mut debouncer = new_debouncer(debounce, move |result: DebounceEventResult| {
            if let Err(e) = &result {
                tracing::warn!(error = %e, "watching the content folder");
            }
            let _ = tx.send(());
        })
        .map_err(|e| ImportError::Watch(e.to_string()))?;
        debouncer
            .watcher()
            .watch(&root, RecursiveMode::Recursive)
            .map_err(|e| ImportError::Watch(e.to_string()))?;
        tracing::info!(folder = %root.display(), "watching for changes");
        Ok(Self {
            root,
            _debouncer: debouncer,
            changes,
        })
    }

    /// Re-imports the folder after each burst of changes, until the process
    /// ends. `known` are the files the previous import saw, so a file that
    /// disappears can be told apart from articles imported from elsewhere.
    pub async fn follow(mut self, db: DatabaseConnection, opts: ReadOptions, mut known: HashSet<String>, hub: Hub) {
        let root = self.root.clone();
        while self.changes.recv().await.is_some() {
            while self.changes.try_recv().is_ok() {} // one import for a burst of changes
            let (summary, seen) = match import_logged(&db, &root, &opts, &hub).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, "re-import failed");
                    continue;
                }
            };
            let gone: Vec<String> = known.difference(&seen).cloned().collect();
            let removed = match crate::store::delete_articles_of_files(&db, &gone).await {
                Ok((n, changes)) => {
                    hub.announce(changes);
                    n
                }
                Err(e) => {
                    tracing::error!(error = %e, "unpublishing removed files");
                    0
                }
            };
            tracing::info!(folder = %root.display(), removed, "content changed: {summary}");
            known = seen;
        }
    }
}
