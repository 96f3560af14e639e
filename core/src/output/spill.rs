//! The Parquet writer's open row group kept in temporary files, not on the heap.
//!
//! A Parquet column chunk must sit whole in the file, so the writer holds every page of the open
//! row group until the group closes, and it keeps every closed group's metadata for the file's
//! footer until the file closes. With pages on the heap, row groups had to stay small (4 MB)
//! to bound the first, which made many of them and grew the second with the input (84 groups,
//! 5.25 MB of metadata at 1 GB of input, `benches/PROFILE.md`). [`SpillPages`] gives each
//! column chunk an unnamed temporary file beside the output (on the output's file system, never
//! left behind: it has no name and goes when its handle closes), where each page is appended as
//! it is encoded and read back once when the group is written out. Row groups can then be as
//! large as readers like them, and the footer holds a few of them.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use parquet::arrow::arrow_writer::{PageKey, PageStore, PageStoreArgs, PageStoreFactory};
use parquet::errors::{ParquetError, Result};

/// Makes one [`SpilledChunk`] per column chunk, its file in `dir`.
#[derive(Debug)]
pub struct SpillPages {
    dir: PathBuf,
}

impl SpillPages {
    /// Spills into temporary files in `dir` (the output's folder, so they use its disk).
    pub fn in_dir(dir: &Path) -> SpillPages {
        SpillPages {
            dir: dir.to_path_buf(),
        }
    }
}

impl PageStoreFactory for SpillPages {
    fn create(&self, _args: &PageStoreArgs<'_>) -> Result<Box<dyn PageStore>> {
        Ok(Box::new(SpilledChunk::in_dir(&self.dir)))
    }
}

/// One column chunk's pages in a temporary file, created at the chunk's first page.
struct SpilledChunk {
    dir: PathBuf,
    file: Option<File>,
    /// Bytes written to the file so far: where the next page goes.
    end: u64,
    /// Where each page is: its offset and length, indexed by its key.
    pages: Vec<(u64, usize)>,
}

impl SpilledChunk {
    /// A chunk with no page yet, whose file will be made in `dir`.
    fn in_dir(dir: &Path) -> SpilledChunk {
        SpilledChunk {
            dir: dir.to_path_buf(),
            file: None,
            end: 0,
            pages: Vec::new(),
        }
    }

    fn file(&mut self) -> Result<&mut File> {
        if self.file.is_none() {
            let file = tempfile::tempfile_in(&self.dir).map_err(|e| {
                spill_error(format!(
                    "cannot create a temporary file in {}: {e}",
                    self.dir.display()
                ))
            })?;
            self.file = Some(file);
        }
        Ok(self.file.as_mut().expect("created above"))
    }
}

impl PageStore for SpilledChunk {
    fn put(&mut self, value: Bytes) -> Result<PageKey> {
        let offset = self.end;
        let file = self.file()?;
        // The file is only appended to here, but `take` moves its position.
        file.seek(SeekFrom::Start(offset))?;
        file.write_all(&value)?;
        self.pages.push((offset, value.len()));
        self.end += value.len() as u64;
        Ok(PageKey::new(self.pages.len() as u64 - 1))
    }

    fn take(&mut self, key: PageKey) -> Result<Bytes> {
        let index = usize::try_from(key.get()).unwrap_or(usize::MAX);
        let &(offset, len) = self
            .pages
            .get(index)
            .ok_or_else(|| spill_error(format!("no spilled page {}", key.get())))?;
        let file = self.file()?;
        file.seek(SeekFrom::Start(offset))?;
        let mut page = vec![0; len];
        file.read_exact(&mut page)?;
        Ok(Bytes::from(page))
    }
}

fn spill_error(message: String) -> ParquetError {
    ParquetError::General(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(dir: &Path) -> Box<dyn PageStore> {
        Box::new(SpilledChunk::in_dir(dir))
    }

    #[test]
    fn pages_come_back_byte_for_byte_in_any_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = chunk(dir.path());
        let pages: Vec<Bytes> = vec![
            Bytes::from_static(b"first page"),
            Bytes::new(),
            Bytes::from((0..=255u8).cycle().take(70_000).collect::<Vec<u8>>()),
        ];
        let keys: Vec<PageKey> = pages
            .iter()
            .map(|p| store.put(p.clone()).unwrap())
            .collect();
        for i in [2, 0, 1] {
            assert_eq!(store.take(keys[i]).unwrap(), pages[i], "page {i}");
        }
        // A page put after reading goes after the others, not where the last read stopped.
        let late = store.put(Bytes::from_static(b"late")).unwrap();
        assert_eq!(store.take(late).unwrap(), Bytes::from_static(b"late"));
        assert_eq!(store.take(keys[0]).unwrap(), pages[0]);
        assert_eq!(store.memory_size(), 0, "nothing is held on the heap");
    }

    #[test]
    fn the_spill_files_have_no_name_in_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = chunk(dir.path());
        store.put(Bytes::from_static(b"page")).unwrap();
        let names = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(
            names, 0,
            "a spill file is unnamed, so a crash leaves nothing behind"
        );
    }

    #[test]
    fn an_unknown_page_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = chunk(dir.path());
        store.put(Bytes::from_static(b"page")).unwrap();
        let error = store.take(PageKey::new(7)).unwrap_err().to_string();
        assert!(error.contains("no spilled page 7"), "{error}");
    }

    #[test]
    fn a_folder_that_cannot_hold_files_is_named_in_the_error() {
        let mut store = chunk(Path::new("/nonexistent/slant-spill"));
        let error = store
            .put(Bytes::from_static(b"page"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("/nonexistent/slant-spill"), "{error}");
    }
}
