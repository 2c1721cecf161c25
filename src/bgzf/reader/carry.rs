//! Lending a record that crosses a block boundary in one piece. Decoding
//! inline, the next block is decoded right behind the current one's tail,
//! which moves (to the buffer's front) only when the next block would not
//! fit behind it; with worker threads, the blocks of a batch are decoded
//! one behind the other, so a boundary within a batch costs nothing, and
//! at a boundary between two batches the tail is copied into the headroom
//! in front of the next batch's first block. Never is the next block's
//! part copied.

use std::io::{self, BufRead, Read};

use super::{Engine, Reader, State};
use crate::bgzf::MAX_BLOCK_SIZE;

/// A [`BufRead`] that can lend at least `n` bytes in one piece, so that a
/// record reader need not copy a record that crosses the end of the
/// buffer.
///
/// After `fill_buf_at_least(n)` lends some bytes, [`BufRead::fill_buf`]
/// lends the same bytes (until a [`BufRead::consume`]). The default lends
/// what `fill_buf` lends: implement it with no method for a source that
/// cannot do better.
///
/// ```
/// use std::io::Write;
/// use biometal::bgzf::{self, FillBufAtLeast};
///
/// // "hello " and "world" in two blocks.
/// let mut writer = bgzf::Writer::new(Vec::new());
/// writer.write_all(b"hello ")?;
/// writer.flush()?;
/// writer.write_all(b"world")?;
/// let file = writer.finish()?;
/// let mut reader = bgzf::ReaderBuilder::new().threads(1).build(&file[..]);
/// assert_eq!(reader.fill_buf_at_least(8)?, b"hello world");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait FillBufAtLeast: BufRead {
    /// Like [`BufRead::fill_buf`], but lends at least `n` bytes when the
    /// source holds them and can put them in one piece cheaply; fewer
    /// otherwise (at the end of the input, or when they are too far
    /// ahead), and the caller then reads on piece by piece.
    ///
    /// # Errors
    ///
    /// As [`BufRead::fill_buf`].
    fn fill_buf_at_least(&mut self, n: usize) -> io::Result<&[u8]> {
        let _ = n;
        self.fill_buf()
    }
}

/// Lends the rest of the current block and, when that is shorter than
/// `n`, the next block after it, carried together: at least `n` bytes if
/// they lie in these two blocks (so a record of up to a block's size
/// always comes whole).
impl<R: Read> FillBufAtLeast for Reader<R> {
    fn fill_buf_at_least(&mut self, n: usize) -> io::Result<&[u8]> {
        if self.pos >= self.end {
            self.fill_next_block()?;
        }
        let available = self.end.saturating_sub(self.pos);
        let reachable = n - available.min(n) <= MAX_BLOCK_SIZE;
        if available < n
            && available > 0
            && reachable
            && self.pos >= self.block_start
            && matches!(self.state, State::Active)
        {
            self.carry_into_next_block()?;
        }
        Ok(self.unread())
    }
}

impl<R: Read> Reader<R> {
    /// Puts the unread rest of the current block right before the next
    /// non-empty block's data and loads that block, so that both are read
    /// as one piece. At the end of the input the carried bytes remain
    /// alone; on an error they are dropped, as the reader has failed.
    #[inline(never)]
    fn carry_into_next_block(&mut self) -> io::Result<()> {
        let carried = self.pos..self.end;
        let len = carried.len();
        let carried_from = self.virtual_position();
        // Where the carried bytes start, and where the next block's data.
        let (start, at) = match &mut self.engine {
            Engine::Inline(inline) => {
                if self.end + MAX_BLOCK_SIZE <= inline.decoded.len() {
                    (self.pos, self.end)
                } else {
                    inline.decoded.copy_within(carried, 0);
                    (0, len)
                }
            }
            Engine::Threaded(pipeline) => {
                if pipeline.next_is_behind() {
                    (self.pos, self.end)
                } else {
                    let inner = &mut self.inner;
                    match pipeline.carry_into_next_batch(carried, inner, &mut self.read_offset) {
                        Ok(Some(start)) => (start, start + len),
                        Ok(None) => return Ok(()),
                        Err(error) => return Err(self.fail(error).into()),
                    }
                }
            }
        };
        // Empty blocks (concatenated files) decode nothing; with threads
        // the next non-empty block is known to lie in the same batch.
        loop {
            if !self.advance(at)? {
                self.block_start = at;
                self.end = at;
                break;
            }
            if self.end > self.block_start {
                break;
            }
        }
        self.pos = start;
        self.carried_start = start;
        self.carried_from = carried_from;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, Cursor, Write};

    use super::FillBufAtLeast;
    use crate::bgzf::{ReaderBuilder, VirtualPosition, Writer};

    /// A small xorshift generator: the tests' inputs are seeded.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// `data` in blocks of 1 to `max_block` bytes, in two BGZF members
    /// (so an empty block lies mid-stream), and the data sizes chosen.
    fn blocked(data: &[u8], max_block: usize, rng: &mut Rng) -> Vec<u8> {
        let mut file = Vec::new();
        for half in [&data[..data.len() / 2], &data[data.len() / 2..]] {
            let mut writer = Writer::new(Vec::new());
            let mut rest = half;
            while !rest.is_empty() {
                let n = (1 + rng.below(max_block)).min(rest.len());
                writer.write_all(&rest[..n]).unwrap();
                writer.flush().unwrap();
                rest = &rest[n..];
            }
            file.extend_from_slice(&writer.finish().unwrap());
        }
        file
    }

    /// The virtual position of every byte, read one at a time.
    fn positions(file: &[u8]) -> Vec<VirtualPosition> {
        let mut reader = ReaderBuilder::new().threads(1).build(Cursor::new(file));
        let mut out = Vec::new();
        while !reader.fill_buf().unwrap().is_empty() {
            out.push(reader.virtual_position());
            reader.consume(1);
        }
        out
    }

    /// Random requests and partial consumes read the stream, at the same
    /// virtual positions as byte-by-byte reading; requests reaching into
    /// the next block only are lent whole.
    #[test]
    fn lends_what_the_next_block_completes() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let cases = [1, 7, 100, 700, 5000, 65_536].map(|max_block| {
            let size = (40 * max_block).clamp(20_000, 1 << 20);
            (size, max_block)
        });
        for (size, max_block) in cases {
            let data: Vec<u8> = (0..size).map(|_| b"ACGT"[rng.below(4)]).collect();
            let file = blocked(&data, max_block, &mut rng);
            let expected_positions = positions(&file);
            assert_eq!(expected_positions.len(), data.len());
            for threads in [1, 3] {
                let mut reader = ReaderBuilder::new()
                    .threads(threads)
                    .build(Cursor::new(&file));
                let (mut offset, mut crossed) = (0, 0);
                loop {
                    let n = 1 + rng.below(2 * max_block.min(40_000) + 50);
                    let window = reader.fill_buf_at_least(n).unwrap();
                    let len = window.len();
                    assert_eq!(window, &data[offset..offset + len], "at byte {offset}");
                    if len == 0 {
                        break;
                    }
                    let block = |at: usize| expected_positions[at].compressed_offset();
                    crossed += usize::from(len >= n && block(offset) != block(offset + len - 1));
                    assert_eq!(reader.fill_buf().unwrap().len(), len);
                    assert_eq!(reader.virtual_position(), expected_positions[offset]);
                    let k = if rng.below(2) == 0 {
                        len
                    } else {
                        1 + rng.below(len)
                    };
                    reader.consume(k);
                    offset += k;
                }
                assert_eq!(offset, data.len(), "{max_block} {threads}");
                assert!(
                    crossed > 0,
                    "no request crossed a block whole: {max_block} {threads}"
                );
            }
        }
    }

    /// Records crossing every block boundary come whole: decoding inline,
    /// each block is placed behind the tail of the one before until the
    /// buffer is full, then the tail moves to the front; with threads,
    /// within a batch of blocks as they lie, into the next batch carried.
    #[test]
    fn records_crossing_every_boundary() {
        let mut rng = Rng(11);
        let data: Vec<u8> = (0..1 << 20).map(|_| b"ACGT"[rng.below(4)]).collect();
        let mut writer = Writer::new(Vec::new());
        for block in data.chunks(60_000) {
            writer.write_all(block).unwrap();
            writer.flush().unwrap();
        }
        let file = writer.finish().unwrap();
        for threads in [1, 3] {
            let mut reader = ReaderBuilder::new()
                .threads(threads)
                .build(Cursor::new(&file));
            let (mut in_place, mut moved, mut short) = (0, 0, 0);
            for record in data.chunks(999) {
                let last_block_start = reader.block_start;
                let window = reader.fill_buf_at_least(record.len()).unwrap();
                if window.len() < record.len() {
                    // Read on piece by piece.
                    short += 1;
                    let mut pieces = Vec::new();
                    while pieces.len() < record.len() {
                        let window = reader.fill_buf().unwrap();
                        let n = window.len().min(record.len() - pieces.len());
                        pieces.extend_from_slice(&window[..n]);
                        reader.consume(n);
                    }
                    assert_eq!(pieces, record);
                    continue;
                }
                assert_eq!(&window[..record.len()], record);
                if reader.pos < reader.block_start {
                    in_place += usize::from(reader.block_start > last_block_start);
                    moved += usize::from(reader.block_start < last_block_start);
                }
                reader.consume(record.len());
            }
            assert!(reader.fill_buf_at_least(1).unwrap().is_empty());
            assert_eq!(short, 0);
            if threads == 1 {
                assert!(in_place > 0 && moved > 0, "{in_place} {moved}");
            }
        }
    }

    /// A request past the end lends the rest; a stream cut inside the next
    /// block fails as reading it does.
    #[test]
    fn the_end_and_a_cut_stream() {
        let mut rng = Rng(7);
        let data: Vec<u8> = (0..3000).map(|i| (i % 251) as u8).collect();
        let file = blocked(&data, 400, &mut rng);
        let mut reader = ReaderBuilder::new().threads(1).build(Cursor::new(&file));
        let first = reader.fill_buf().unwrap().len();
        reader.consume(first - 3);
        let mut read = 0;
        let mut whole = Vec::new();
        while !reader.fill_buf().unwrap().is_empty() {
            let window = reader.fill_buf_at_least(10_000).unwrap();
            read += window.len();
            whole.extend_from_slice(window);
            let len = window.len();
            reader.consume(len);
        }
        assert!(read > 0 && data.ends_with(&whole));
        let cut = &file[..file.len() - 40];
        let mut reader = ReaderBuilder::new().threads(1).build(Cursor::new(cut));
        let error = loop {
            match reader.fill_buf_at_least(600) {
                Ok([]) => panic!("a cut stream ends cleanly"),
                Ok(window) => {
                    let len = window.len();
                    reader.consume(len);
                }
                Err(error) => break error,
            }
        };
        assert_eq!(error.kind(), std::io::ErrorKind::UnexpectedEof, "{error}");
    }
}
