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
    let offset = offset.min(text.len());
    let mut start = line_start.min(offset);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = offset;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
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
