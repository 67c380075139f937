//! The blob store port and its local-folder adapter. Keys are opaque; an
//! S3-compatible adapter can replace the folder without touching callers.

use std::path::{Path, PathBuf};

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob not found")]
    NotFound,
    #[error("blob storage failed: {0}")]
    Io(#[from] std::io::Error),
}

#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Stores bytes durably under `key` (replacing nothing: keys are unique).
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError>;
    async fn get(&self, key: &str) -> Result<Vec<u8>, BlobError>;
    async fn delete(&self, key: &str) -> Result<(), BlobError>;
}

/// Files under a folder, fanned out by the key's first characters so no
/// single directory grows huge.
pub struct FolderBlobStore {
    root: PathBuf,
}

impl FolderBlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, key: &str) -> Result<PathBuf, BlobError> {
        // Keys are ours, but never let one escape the folder.
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
            || key.contains("..")
        {
            return Err(BlobError::NotFound);
        }
        let shard = key.get(..2).unwrap_or("__");
        Ok(self.root.join(shard).join(key))
    }
}

async fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let dir = path.parent().unwrap_or(Path::new("."));
    tokio::fs::create_dir_all(dir).await?;
    let tmp = path.with_extension("tmp");
    let mut f = tokio::fs::File::create(&tmp).await?;
    f.write_all(bytes).await?;
    f.sync_all().await?;
    drop(f);
    tokio::fs::rename(&tmp, path).await?;
    // Persist the rename itself.
    if let Ok(d) = tokio::fs::File::open(dir).await {
        let _ = d.sync_all().await;
    }
    Ok(())
}

#[async_trait]
impl BlobStore for FolderBlobStore {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError> {
        Ok(write_durably(&self.path(key)?, bytes).await?)
    }
    async fn get(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(b) => Ok(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(BlobError::NotFound),
            Err(e) => Err(e.into()),
        }
    }
    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[tokio::test]
    async fn put_get_delete_and_no_escape() {
        let dir = tempfile::tempdir().unwrap();
        let s = FolderBlobStore::new(dir.path());
        s.put("abc123", b"hello").await.unwrap();
        assert_eq!(s.get("abc123").await.unwrap(), b"hello");
        s.delete("abc123").await.unwrap();
        assert!(matches!(s.get("abc123").await, Err(BlobError::NotFound)));
        assert!(matches!(
            s.get("../etc/passwd").await,
            Err(BlobError::NotFound)
        ));
    }
}
