//! Records of numbers that a measure needs a second time at the end of a trial, kept out of
//! memory: the standard deviation of a gait-cycle curve needs its mean first, and the RMS over
//! several coordinates sums them one coordinate after the other. Kept in memory, they would
//! grow with the trial's length; in a file, memory stays the same for a 1-minute and a 1-hour
//! trial.
//!
//! A file spool is an anonymous temporary file in a folder the caller chooses (the trial's
//! output folder): the system removes it when it is closed, even if the process is killed.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Fixed-width records of `f64`, appended one at a time and replayed in order, bit for bit.
#[derive(Debug)]
pub struct Spool {
    width: usize,
    records: usize,
    store: Store,
}

#[derive(Debug)]
enum Store {
    Memory(Vec<f64>),
    File(BufWriter<File>),
}

impl Spool {
    /// A spool in memory (for recordings that are in memory anyway).
    pub fn in_memory(width: usize) -> Self {
        Self {
            width,
            records: 0,
            store: Store::Memory(Vec::new()),
        }
    }

    /// A spool in an anonymous temporary file in `dir`.
    pub fn in_dir(dir: &Path, width: usize) -> io::Result<Self> {
        Ok(Self {
            width,
            records: 0,
            store: Store::File(BufWriter::new(tempfile::tempfile_in(dir)?)),
        })
    }

    /// A spool in an anonymous temporary file in `dir`, or in memory if `None`.
    pub fn new(dir: Option<&Path>, width: usize) -> io::Result<Self> {
        match dir {
            Some(dir) => Self::in_dir(dir, width),
            None => Ok(Self::in_memory(width)),
        }
    }

    /// Numbers per record.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Records appended.
    pub fn len(&self) -> usize {
        self.records
    }

    /// Whether no record was appended.
    pub fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// Appends a record.
    ///
    /// # Panics
    /// If `record` is not [`Spool::width`] long (a programming error).
    pub fn push(&mut self, record: &[f64]) -> io::Result<()> {
        assert_eq!(record.len(), self.width, "spool record of the wrong width");
        match &mut self.store {
            Store::Memory(v) => v.extend_from_slice(record),
            Store::File(w) => {
                for x in record {
                    w.write_all(&x.to_le_bytes())?;
                }
            }
        }
        self.records += 1;
        Ok(())
    }

    /// Calls `each` with every record in the order they were appended; may be called again.
    pub fn replay(&mut self, mut each: impl FnMut(&[f64])) -> io::Result<()> {
        match &mut self.store {
            Store::Memory(v) => {
                if self.width > 0 {
                    v.chunks_exact(self.width).for_each(each);
                } else {
                    (0..self.records).for_each(|_| each(&[]));
                }
            }
            Store::File(w) => {
                w.flush()?;
                let file = w.get_mut();
                file.seek(SeekFrom::Start(0))?;
                let mut reader = BufReader::new(&*file);
                let mut bytes = vec![0; self.width * 8];
                let mut record = vec![0.0; self.width];
                for _ in 0..self.records {
                    reader.read_exact(&mut bytes)?;
                    for (x, b) in record.iter_mut().zip(bytes.chunks_exact(8)) {
                        *x = f64::from_le_bytes(b.try_into().expect("8 bytes"));
                    }
                    each(&record);
                }
                drop(reader);
                file.seek(SeekFrom::End(0))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records() -> Vec<Vec<f64>> {
        vec![
            vec![1.5, -0.0, f64::NAN],
            vec![f64::INFINITY, 1e-310, -3.25],
            vec![0.1, 0.2, 0.3],
        ]
    }

    fn replayed(spool: &mut Spool) -> Vec<Vec<u64>> {
        let mut out = Vec::new();
        spool
            .replay(|r| out.push(r.iter().map(|x| x.to_bits()).collect()))
            .unwrap();
        out
    }

    #[test]
    fn a_file_spool_replays_what_a_memory_spool_does_bit_for_bit_and_again_after_more() {
        let dir = std::env::temp_dir();
        let mut file = Spool::in_dir(&dir, 3).unwrap();
        let mut memory = Spool::in_memory(3);
        let want: Vec<Vec<u64>> = records()
            .iter()
            .map(|r| r.iter().map(|x| x.to_bits()).collect())
            .collect();
        for r in &records()[..2] {
            file.push(r).unwrap();
            memory.push(r).unwrap();
        }
        assert_eq!(replayed(&mut file), want[..2]);
        file.push(&records()[2]).unwrap();
        memory.push(&records()[2]).unwrap();
        assert_eq!(replayed(&mut file), want);
        assert_eq!(replayed(&mut file), want);
        assert_eq!(replayed(&mut memory), want);
        assert_eq!((file.len(), memory.len()), (3, 3));
    }
}
