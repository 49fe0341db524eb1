//! An open document: a rope, its syntax tree and its version. Edits are
//! applied incrementally: the rope changes, the tree is edited and re-parsed
//! with the old tree.

use crate::position::{rope_offset, Encoding};
use ropey::Rope;
use tree_sitter::{InputEdit, Point, Tree};

/// One change: replace the range (in LSP positions) with text; `None` replaces
/// the whole document.
#[derive(Clone, Debug)]
pub struct Change {
    pub range: Option<((u32, u32), (u32, u32))>,
    pub text: String,
}

pub struct Document {
    pub rope: Rope,
    pub tree: Tree,
    pub version: i32,
}

fn point_of(rope: &Rope, byte: usize) -> Point {
    let line = rope.byte_to_line(byte);
    Point {
        row: line,
        column: byte - rope.line_to_byte(line),
    }
}

impl Document {
    pub fn new(text: &str, version: i32) -> Document {
        Document {
            rope: Rope::from_str(text),
            tree: crate::source::parse(text),
            version,
        }
    }

    /// Applies the changes in order, then re-parses once. Returns the edits
    /// made, in order (a full replacement is one edit over the whole text).
    pub fn apply(&mut self, changes: &[Change], version: i32, enc: Encoding) -> Vec<InputEdit> {
        let mut edits = Vec::with_capacity(changes.len());
        for change in changes {
            match change.range {
                None => {
                    let old_end = self.rope.len_bytes();
                    edits.push(InputEdit {
                        start_byte: 0,
                        old_end_byte: old_end,
                        new_end_byte: change.text.len(),
                        start_position: Point { row: 0, column: 0 },
                        old_end_position: point_of(&self.rope, old_end),
                        new_end_position: Point { row: 0, column: 0 },
                    });
                    self.rope = Rope::from_str(&change.text);
                    self.tree = crate::source::parse(&change.text);
                    let end = self.rope.len_bytes();
                    if let Some(e) = edits.last_mut() {
                        e.new_end_position = point_of(&self.rope, end);
                    }
                    continue;
                }
                Some(((l0, c0), (l1, c1))) => {
                    let mut start = rope_offset(&self.rope, l0, c0, enc);
                    let mut end = rope_offset(&self.rope, l1, c1, enc);
                    if end < start {
                        std::mem::swap(&mut start, &mut end);
                    }
                    let start_position = point_of(&self.rope, start);
                    let old_end_position = point_of(&self.rope, end);
                    let cs = self.rope.byte_to_char(start);
                    let ce = self.rope.byte_to_char(end);
                    self.rope.remove(cs..ce);
                    self.rope.insert(cs, &change.text);
                    let new_end = start + change.text.len();
                    let edit = InputEdit {
                        start_byte: start,
                        old_end_byte: end,
                        new_end_byte: new_end,
                        start_position,
                        old_end_position,
                        new_end_position: point_of(&self.rope, new_end),
                    };
                    self.tree.edit(&edit);
                    edits.push(edit);
                }
            }
        }
        self.reparse();
        self.version = version;
        edits
    }

    fn reparse(&mut self) {
        let rope = &self.rope;
        let mut read = |byte: usize, _: Point| -> &[u8] {
            if byte >= rope.len_bytes() {
                return &[];
            }
            let (chunk, start, _, _) = rope.chunk_at_byte(byte);
            &chunk.as_bytes()[byte - start..]
        };
        self.tree = crate::source::reparse(&mut read, &self.tree);
    }

    pub fn text(&self) -> String {
        self.rope.to_string()
    }
}
