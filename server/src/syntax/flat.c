// Lays out one declaration's nodes as arrays (see flat.rs), reading the
// tree's own nodes instead of moving a TSTreeCursor one step per call.
//
// A cursor step costs about 500 instructions through the public API (it
// rebuilds its child iterator, looks up aliases and walks up for the field
// on every call); laying out a large file that way cost as much as a quarter
// of its parse, twice per check. This walk visits the same nodes in the same
// order and records what the cursor would report for each (its TSNode, kind,
// named flag, field, parent, previous sibling and end), in a few dozen
// instructions a node. It follows tree-sitter's own cursor
// (tree_cursor.c: ts_tree_cursor_child_iterator_next,
// ts_tree_cursor_current_node, ts_tree_cursor_current_field_id), and is
// compiled against the headers of the tree-sitter version Cargo.lock pins;
// flat.rs checks it against a cursor in its tests.

#include <stdint.h>
#include <stdlib.h>

#include "./language.h"
#include "./subtree.h"
#include "./tree.h"

// One node whose children are being laid out: a visible node, or a hidden
// one inside it whose children count as the visible node's. Kept small (a
// deep nesting holds a frame per level, 24 bytes): its production's aliases
// and fields are looked up again when it is back on top, and it keeps no
// position (the walk's one running position is where the next child starts:
// a node ends where its last child does).
typedef struct {
  Subtree subtree;
  uint32_t child_index;
  uint32_t structural_child_index;
  // The layout index of the visible node whose children this one's
  // children are: itself when visible, else the visible node around it.
  uint32_t owner;
  // The field a hidden node holds in its parent: its visible children's,
  // when they hold none of their own (0 for a visible node).
  TSFieldId inherited;
  bool visible;
} Frame;

typedef struct {
  const void **ids;
  uint32_t (*contexts)[4];
  uint16_t *kinds;
  uint16_t *fields;
  uint32_t *ends;
  uint32_t *parents;
  uint32_t *prevs;
} Out;

static Frame frame_of(Subtree subtree, TSFieldId inherited, bool visible, uint32_t owner) {
  Frame f = {
    .subtree = subtree,
    .child_index = 0,
    .structural_child_index = 0,
    .inherited = inherited,
    .visible = visible,
    .owner = owner,
  };
  return f;
}

// Lays out `root` and every visible node below it into `out`, whose arrays
// hold `capacity` nodes (the root's descendant count). `named` is the flag
// or-ed into a named node's field, `aliased` the one or-ed into the field of
// a node whose alias is its kind (a context's fourth element, which is left
// out). Returns the number of nodes laid out, or 0 when memory ran out, the
// tree holds more nodes than `capacity`, or an alias is not its node's kind
// (the caller lays out with a cursor then, which records such aliases).
uint32_t httpvet_lay_out(TSNode root, uint32_t capacity, uint16_t named, uint16_t aliased,
                         uint32_t no_parent, const void **ids, uint32_t (*contexts)[3],
                         uint16_t *kinds,
                         uint16_t *fields, uint32_t *ends, uint32_t *parents, uint32_t *prevs) {
  if (capacity == 0) return 0;
  const TSLanguage *language = root.tree->language;
  const Subtree *root_subtree = (const Subtree *)root.id;
  TSSymbol root_alias = (TSSymbol)root.context[3];
  TSSymbol root_symbol = root_alias ? root_alias : ts_subtree_symbol(*root_subtree);
  ids[0] = root.id;
  contexts[0][0] = root.context[0];
  contexts[0][1] = root.context[1];
  contexts[0][2] = root.context[2];
  kinds[0] = ts_language_public_symbol(language, root_symbol);
  if (root_alias && kinds[0] != root_alias) return 0;
  bool root_named = root_alias ? ts_language_symbol_metadata(language, root_alias).named
                               : ts_subtree_named(*root_subtree);
  fields[0] = (root_named ? named : 0) | (root_alias ? aliased : 0);
  ends[0] = 1;
  parents[0] = no_parent;
  prevs[0] = no_parent;
  if (ts_subtree_child_count(*root_subtree) == 0) return 1;

  // The last child laid out of each open visible node, by its index.
  uint32_t size = 64;
  Frame *stack = malloc(size * sizeof(Frame));
  uint32_t *last = malloc(size * sizeof(uint32_t));
  if (!stack || !last) {
    free(stack);
    free(last);
    return 0;
  }
  // Where the next child starts.
  Length position = {root.context[0], {root.context[1], root.context[2]}};
  uint32_t depth = 0, open = 0, count = 1;
  stack[depth++] = frame_of(*root_subtree, 0, true, 0);
  last[0] = no_parent;
  bool ok = true;
  // The aliases and fields of the frame on top, and its depth (0: none yet).
  const TSSymbol *alias_sequence = NULL;
  const TSFieldMapEntry *field_map = NULL, *field_map_end = NULL;
  uint32_t looked_up = 0;

  while (depth > 0) {
    Frame *f = &stack[depth - 1];
    if (looked_up != depth) {
      uint32_t production = ts_subtree_production_id(f->subtree);
      alias_sequence = ts_language_alias_sequence(language, production);
      ts_language_field_map(language, production, &field_map, &field_map_end);
      looked_up = depth;
    }
    uint32_t child_count = f->subtree.ptr->child_count;
    if (f->child_index == child_count) {
      if (f->visible) {
        ends[f->owner] = count;
        open--;
      }
      depth--;
      // `position` is where this node ends: the parent's next child
      // starts past its padding.
      if (depth > 0) {
        Frame *parent = &stack[depth - 1];
        if (parent->child_index < parent->subtree.ptr->child_count) {
          const Subtree *next = &ts_subtree_children(parent->subtree)[parent->child_index];
          position = length_add(position, ts_subtree_padding(*next));
        }
      }
      continue;
    }
    const Subtree *children = ts_subtree_children(f->subtree);
    const Subtree *child = &children[f->child_index];
    bool extra = ts_subtree_extra(*child);
    bool visible = ts_subtree_visible(*child);
    TSSymbol alias = 0;
    TSFieldId field = 0;
    if (!extra) {
      uint32_t structural = f->structural_child_index++;
      if (alias_sequence && alias_sequence[structural]) {
        alias = alias_sequence[structural];
        visible = true;
      }
      for (const TSFieldMapEntry *m = field_map; m < field_map_end; m++) {
        if (!m->inherited && m->child_index == structural) {
          field = m->field_id;
          break;
        }
      }
      if (!field) field = f->inherited;
    }
    f->child_index++;

    // Descend into a visible node with children (the owner of its
    // children), or into a hidden one holding visible nodes.
    bool descend = false;
    uint32_t owner = f->owner;
    if (visible) {
      if (count == capacity) {
        ok = false;
        break;
      }
      uint32_t i = count++;
      TSSymbol symbol = alias ? alias : ts_subtree_symbol(*child);
      bool is_named = alias ? ts_language_symbol_metadata(language, alias).named
                            : ts_subtree_named(*child);
      ids[i] = child;
      contexts[i][0] = position.bytes;
      contexts[i][1] = position.extent.row;
      contexts[i][2] = position.extent.column;
      kinds[i] = ts_language_public_symbol(language, symbol);
      if (alias && kinds[i] != alias) {
        ok = false;
        break;
      }
      fields[i] = field | (is_named ? named : 0) | (alias ? aliased : 0);
      ends[i] = i + 1;
      parents[i] = f->owner;
      prevs[i] = last[open];
      last[open] = i;
      if (ts_subtree_child_count(*child) > 0) {
        descend = true;
        owner = i;
        field = 0;
      }
    } else if (ts_subtree_visible_child_count(*child) > 0) {
      descend = true;
      // A hidden extra breaks the climb for a field.
      if (extra) field = 0;
    }
    if (!descend) {
      position = length_add(position, ts_subtree_size(*child));
      if (f->child_index < child_count) {
        position = length_add(position, ts_subtree_padding(children[f->child_index]));
      }
      continue;
    }
    if (depth == size || open + 1 == size) {
      uint32_t grown = size * 2;
      Frame *s = realloc(stack, grown * sizeof(Frame));
      if (!s) {
        ok = false;
        break;
      }
      stack = s;
      uint32_t *l = realloc(last, grown * sizeof(uint32_t));
      if (!l) {
        ok = false;
        break;
      }
      last = l;
      size = grown;
    }
    stack[depth++] = frame_of(*child, field, visible, owner);
    if (visible) last[++open] = no_parent;
  }
  free(stack);
  free(last);
  return ok ? count : 0;
}
