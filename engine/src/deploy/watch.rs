//! Hot deployment: watch the deploy folder and redeploy what changes, within a fraction of a
//! second.
//!
//! File events are collected until the folder has been quiet for a moment (editors write in
//! several steps: temp file then rename, truncate then write, several saves in a row), then
//! every affected file is brought up to date at once. A file that no longer compiles is
//! reported and its previous version keeps serving; the file on disk is left as it is.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use notify::{Event, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::folder::collect_xml_files;
use crate::engine::Engine;

/// How long the folder must be quiet before a batch of changes is applied.
const QUIET: Duration = Duration::from_millis(60);
/// A batch is applied after this long even if events keep coming.
const MAX_BATCH: Duration = Duration::from_millis(400);

/// A running watcher; dropping it stops watching.
pub struct FolderWatcher {
    _watcher: RecommendedWatcher,
    task: JoinHandle<()>,
}

impl Drop for FolderWatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts watching `root` (the folder the engine deployed at start-up) for changes.
pub fn watch_folder(engine: Arc<Engine>, root: PathBuf) -> notify::Result<FolderWatcher> {
    let canonical = root.canonicalize()?;
    let (events, mut incoming) = mpsc::unbounded_channel::<notify::Result<Event>>();
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = events.send(event);
    })?;
    watcher.watch(&canonical, RecursiveMode::Recursive)?;
    let task = tokio::spawn(async move {
        while let Some(first) = incoming.recv().await {
            let mut batch = Batch::default();
            batch.add(first, &canonical, &root);
            let started = Instant::now();
            while started.elapsed() < MAX_BATCH {
                match tokio::time::timeout(QUIET, incoming.recv()).await {
                    Ok(Some(event)) => batch.add(event, &canonical, &root),
                    Ok(None) => return,
                    Err(_) => break, // quiet
                }
            }
            let engine = engine.clone();
            let root = root.clone();
            let applied = tokio::task::spawn_blocking(move || {
                let paths = batch.paths(&engine, &root);
                if !paths.is_empty() {
                    engine.sync_paths(&paths);
                }
            })
            .await;
            if let Err(e) = applied {
                tracing::error!(error = %e, "redeployment failed");
            }
        }
    });
    Ok(FolderWatcher {
        _watcher: watcher,
        task,
    })
}

/// The paths touched by a burst of events.
#[derive(Default)]
struct Batch {
    files: BTreeSet<PathBuf>,
    /// A folder changed, or an event could not be read: compare the folder with the deployment.
    rescan: bool,
}

impl Batch {
    fn add(&mut self, event: notify::Result<Event>, canonical: &Path, root: &Path) {
        let event = match event {
            Ok(event) => event,
            Err(e) => {
                tracing::warn!(error = %e, "file watch error; rescanning the deploy folder");
                self.rescan = true;
                return;
            }
        };
        for path in event.paths {
            // Report files under the folder name the user gave, as the start-up deployment did.
            let Ok(relative) = path.strip_prefix(canonical) else {
                continue;
            };
            if relative
                .components()
                .any(|c| matches!(c, Component::Normal(n) if n.to_string_lossy().starts_with('.')))
            {
                continue; // editor temporaries and hidden folders
            }
            if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("xml"))
            {
                self.files.insert(root.join(relative));
            } else if path.is_dir() || !path.exists() {
                self.rescan = true; // a folder was added, moved or removed
            }
        }
    }

    fn paths(self, engine: &Engine, root: &Path) -> Vec<PathBuf> {
        let mut paths = self.files;
        if self.rescan {
            for deployed in engine.deployed_files_under(root) {
                if !deployed.is_file() {
                    paths.insert(deployed);
                }
            }
            if let Ok(on_disk) = collect_xml_files(root) {
                let known: BTreeSet<PathBuf> =
                    engine.deployed_files_under(root).into_iter().collect();
                paths.extend(on_disk.into_iter().filter(|p| !known.contains(p)));
            }
        }
        paths.into_iter().collect()
    }
}
