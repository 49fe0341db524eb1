//! Positions: conversions between byte offsets and LSP positions in the
//! negotiated encoding (UTF-8 or UTF-16 code units), in one place.
//!
//! Lines end at `\n`; a `\r` before it is not part of the line's content.
//! A character past the end of its line is clamped to the line's end, a line
//! past the end of the text to the end of the text.

use ropey::Rope;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    Utf8,
    #[default]
    Utf16,
}

/// Byte length of a line's content (terminator excluded) in a rope.
fn content_len_bytes(line: ropey::RopeSlice) -> usize {
    let mut len = line.len_bytes();
    if len > 0 && line.byte(len - 1) == b'\n' {
        len -= 1;
        if len > 0 && line.byte(len - 1) == b'\r' {
            len -= 1;
        }
    }
    len
}

/// The byte offset of an LSP position in `rope`, clamped.
pub fn rope_offset(rope: &Rope, line: u32, character: u32, enc: Encoding) -> usize {
    let line = line as usize;
    if line >= rope.len_lines() {
        return rope.len_bytes();
    }
    let start = rope.line_to_byte(line);
    let slice = rope.line(line);
    let content = content_len_bytes(slice);
    let content_slice = slice.byte_slice(..content);
    let within = match enc {
        Encoding::Utf8 => {
            // Never split a character: step back to a boundary.
            let mut b = (character as usize).min(content);
            while b > 0 && b < content && !is_char_boundary(content_slice, b) {
                b -= 1;
            }
            b
        }
        Encoding::Utf16 => {
            let units = content_slice.len_utf16_cu();
            let cu = (character as usize).min(units);
            let ch = content_slice.utf16_cu_to_char(cu);
            content_slice.char_to_byte(ch)
        }
    };
    start + within
}

fn is_char_boundary(s: ropey::RopeSlice, byte: usize) -> bool {
    // A byte that is not a UTF-8 continuation byte starts a character.
    (s.byte(byte) & 0xC0) != 0x80
}

/// The LSP position (line, character) of a byte offset in `text`, given the
/// offset of the start of its line.
pub fn position_in_line(text: &str, line_start: usize, offset: usize, enc: Encoding) -> u32 {
    let (start, end) = line_prefix(text, line_start, offset);
    let slice = &text[start..end];
    match enc {
        Encoding::Utf8 => slice.len() as u32,
        Encoding::Utf16 => slice.chars().map(char::len_utf16).sum::<usize>() as u32,
    }
}

/// The LSP position of a byte offset in `rope` (clamped to the text).
pub fn rope_position(rope: &Rope, offset: usize, enc: Encoding) -> (u32, u32) {
    let offset = offset.min(rope.len_bytes());
    let line = rope.byte_to_line(offset);
    let start = rope.line_to_byte(line);
    let slice = rope.byte_slice(start..offset);
    let col = match enc {
        Encoding::Utf8 => slice.len_bytes(),
        Encoding::Utf16 => slice.len_utf16_cu(),
    };
    (line as u32, col as u32)
}

/// Ranges longer than this are counted with a [`Columns`] index.
pub const SCAN_AT_MOST: usize = 4096;

/// Counts of characters and UTF-16 code units between two byte offsets of
/// one text, in time independent of their distance: for each block of
/// [`SCAN_AT_MOST`] bytes, how many UTF-8 continuation bytes and how many
/// 4-byte characters come before it. A line of megabytes with a finding
/// every few bytes would otherwise be counted from its start per finding.
#[derive(Debug)]
pub struct Columns {
    /// Per block: continuation bytes before it, 4-byte lead bytes before it.
    before: Vec<(usize, usize)>,
}

impl Columns {
    pub fn of(text: &str) -> Columns {
        let mut before = Vec::with_capacity(text.len() / SCAN_AT_MOST + 2);
        let (mut cont, mut four) = (0, 0);
        before.push((0, 0));
        for block in text.as_bytes().chunks(SCAN_AT_MOST) {
            let (c, f) = counts(block);
            cont += c;
            four += f;
            before.push((cont, four));
        }
        Columns { before }
    }

    /// Continuation bytes and 4-byte lead bytes in `text[..at]`.
    fn before(&self, text: &str, at: usize) -> (usize, usize) {
        let block = at / SCAN_AT_MOST;
        let (c, f) = self.before[block];
        let (c2, f2) = counts(&text.as_bytes()[block * SCAN_AT_MOST..at]);
        (c + c2, f + f2)
    }

    /// Characters (Unicode code points) in `text[start..end]`, both on
    /// character boundaries.
    pub fn chars(&self, text: &str, start: usize, end: usize) -> usize {
        let ((c1, _), (c2, _)) = (self.before(text, start), self.before(text, end));
        (end - start) - (c2 - c1)
    }

    /// `text[start..end]`'s length in `enc`, both on character boundaries.
    pub fn units(&self, text: &str, start: usize, end: usize, enc: Encoding) -> usize {
        match enc {
            Encoding::Utf8 => end - start,
            Encoding::Utf16 => {
                let ((c1, f1), (c2, f2)) = (self.before(text, start), self.before(text, end));
                (end - start) - (c2 - c1) + (f2 - f1)
            }
        }
    }
}

fn counts(bytes: &[u8]) -> (usize, usize) {
    bytes.iter().fold((0, 0), |(c, f), &b| {
        (
            c + usize::from(b & 0xC0 == 0x80),
            f + usize::from(b >= 0xF0),
        )
    })
}

/// `line_start..offset` of `text`, both stepped back to character boundaries.
pub fn line_prefix(text: &str, line_start: usize, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut start = line_start.min(offset);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = offset;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_as_a_scan_does_across_blocks() {
        // Mixed widths (1 to 4 bytes) across many blocks.
        let unit = "aé€𝄞b";
        let text = unit.repeat(3 * SCAN_AT_MOST);
        let cols = Columns::of(&text);
        let bounds: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .step_by(997)
            .collect();
        for &a in &bounds {
            for &b in bounds.iter().filter(|&&b| b >= a).take(40) {
                let s = &text[a..b];
                assert_eq!(cols.chars(&text, a, b), s.chars().count());
                let u16: usize = s.chars().map(char::len_utf16).sum();
                assert_eq!(cols.units(&text, a, b, Encoding::Utf16), u16);
                assert_eq!(cols.units(&text, a, b, Encoding::Utf8), s.len());
            }
        }
    }
}
