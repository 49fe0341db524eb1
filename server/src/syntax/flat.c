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

// A hidden node whose children are being laid out: its children count as
// those of the visible node around it (its owner). A visible node being laid
// out needs no frame: the layout holds it (its slot, its parent, and, until
// it ends, its extra children's count in its end). Kept small (a deep
// nesting holds a frame per hidden level, 16 bytes): the index of the child
// being laid out is kept for the node on top only (a node below finds it
// again from where its child sits), its production's aliases and fields
// are looked up again when it is back on top, and it keeps no position (the
// walk's one running position is where the next child starts: a node ends
// where its last child does).
typedef struct {
  // The node, where it sits among its parent's children.
  const Subtree *slot;
  // The layout index of the visible node around it.
  uint32_t owner;
  // The extra children (comments) passed: a child's structural index is its
  // index less these.
  uint16_t extras;
  // The field it holds in its parent: its visible children's, when they
  // hold none of their own.
  TSFieldId inherited;
} Hidden;

// The hidden node on top, when the node being laid out is one: the last
// hidden frame, when it is inside `current` (NULL: `current` itself is).
static Hidden *hidden_on_top(Hidden *hidden, uint32_t depth, uint32_t current) {
  return depth > 0 && hidden[depth - 1].owner == current ? &hidden[depth - 1] : NULL;
}

// Where the node on top sits: its hidden frame's slot, or `current`'s.
static const Subtree *slot_on_top(const Hidden *h, const void **ids, uint32_t current) {
  return h ? h->slot : (const Subtree *)ids[current];
}

// True when `column` is where `start` sits on `row`, as the text's lines tell.
static bool column_holds(const size_t *line_starts, size_t lines, uint32_t start, uint32_t row,
                         uint32_t column) {
  return row < lines && line_starts[row] <= start && start - line_starts[row] == column;
}

// Lays out `root` and every visible node below it into the arrays, which
// hold `capacity` nodes (the root's descendant count). `named` is the flag
// or-ed into a named node's field, `aliased` the one or-ed into the field of
// a node whose alias is its kind (a context's fourth element, which is left
// out). Returns the number of nodes laid out, or 0 when memory ran out, the
// tree holds more nodes than `capacity`, an alias is not its node's kind, or
// a hidden node holds more than 65,535 comments (the caller lays out with a
// cursor then, which records such aliases). A node's column is not kept: it
// is its start less the start of its row, from `line_starts` (`lines` of
// them); 0 is returned, too, should a node's column say otherwise.
uint32_t httpvet_lay_out(TSNode root, uint32_t capacity, uint16_t named, uint16_t aliased,
                         uint32_t no_parent, const size_t *line_starts, size_t lines,
                         const void **ids, uint32_t (*contexts)[2], uint16_t *kinds,
                         uint16_t *fields, uint32_t *ends, uint32_t *parents, uint32_t *prevs) {
  if (capacity == 0) return 0;
  const TSLanguage *language = root.tree->language;
  const Subtree *root_subtree = (const Subtree *)root.id;
  TSSymbol root_alias = (TSSymbol)root.context[3];
  TSSymbol root_symbol = root_alias ? root_alias : ts_subtree_symbol(*root_subtree);
  ids[0] = root.id;
  contexts[0][0] = root.context[0];
  contexts[0][1] = root.context[1];
  if (!column_holds(line_starts, lines, root.context[0], root.context[1], root.context[2])) {
    return 0;
  }
  kinds[0] = ts_language_public_symbol(language, root_symbol);
  if (root_alias && kinds[0] != root_alias) return 0;
  bool root_named = root_alias ? ts_language_symbol_metadata(language, root_alias).named
                               : ts_subtree_named(*root_subtree);
  fields[0] = (root_named ? named : 0) | (root_alias ? aliased : 0);
  ends[0] = 1;
  parents[0] = no_parent;
  prevs[0] = no_parent;
  if (ts_subtree_child_count(*root_subtree) == 0) return 1;

  uint32_t size = 64, hidden_depth = 0;
  Hidden *hidden = malloc(size * sizeof(Hidden));
  if (!hidden) return 0;
  // Where the next child starts.
  Length position = {root.context[0], {root.context[1], root.context[2]}};
  // The innermost visible node being laid out, the nodes laid out, and the
  // index of the next child of the node on top (`current`, or a hidden node
  // inside it).
  uint32_t current = 0, count = 1, child_index = 0;
  // The extra children of the visible node being laid out, while it is.
  ends[0] = 0;
  bool ok = true;
  // The aliases and fields of the node on top, looked up when it is not.
  bool looked_up = false;
  const TSSymbol *alias_sequence = NULL;
  const TSFieldMapEntry *field_map = NULL, *field_map_end = NULL;

  for (;;) {
    Hidden *h = hidden_on_top(hidden, hidden_depth, current);
    const Subtree *slot = slot_on_top(h, ids, current);
    Subtree subtree = *slot;
    if (!looked_up) {
      uint32_t production = ts_subtree_production_id(subtree);
      alias_sequence = ts_language_alias_sequence(language, production);
      ts_language_field_map(language, production, &field_map, &field_map_end);
      looked_up = true;
    }
    uint32_t child_count = subtree.ptr->child_count;
    if (child_index == child_count) {
      if (h) {
        hidden_depth--;
      } else {
        ends[current] = count;
        if (current == 0) break;
        current = parents[current];
      }
      looked_up = false;
      // Back to the parent, past this node: `position` is where this node
      // ends, and the parent's next child starts past its padding.
      Subtree parent = *slot_on_top(hidden_on_top(hidden, hidden_depth, current), ids, current);
      const Subtree *siblings = ts_subtree_children(parent);
      child_index = (uint32_t)(slot - siblings) + 1;
      if (child_index < parent.ptr->child_count) {
        position = length_add(position, ts_subtree_padding(siblings[child_index]));
      }
      continue;
    }
    const Subtree *children = ts_subtree_children(subtree);
    const Subtree *child = &children[child_index];
    bool extra = ts_subtree_extra(*child);
    bool visible = ts_subtree_visible(*child);
    TSSymbol alias = 0;
    TSFieldId field = 0;
    if (extra) {
      if (!h) {
        ends[current]++;
      } else if (h->extras < UINT16_MAX) {
        h->extras++;
      } else {
        ok = false;
        break;
      }
    } else {
      uint32_t structural = child_index - (h ? h->extras : ends[current]);
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
      if (!field && h) field = h->inherited;
    }
    child_index++;

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
      if (!column_holds(line_starts, lines, position.bytes, position.extent.row,
                        position.extent.column)) {
        ok = false;
        break;
      }
      kinds[i] = ts_language_public_symbol(language, symbol);
      if (alias && kinds[i] != alias) {
        ok = false;
        break;
      }
      fields[i] = field | (is_named ? named : 0) | (alias ? aliased : 0);
      ends[i] = i + 1;
      parents[i] = current;
      // The previous sibling: the child of `current` whose nodes end just
      // before this one (climbing from the last node laid out passes nodes
      // that are done: each once in the whole walk).
      uint32_t prev = i - 1;
      if (prev == current) {
        prev = no_parent;
      } else {
        while (parents[prev] != current) prev = parents[prev];
      }
      prevs[i] = prev;
      // Descend into a visible node with children (the owner of its
      // children).
      if (ts_subtree_child_count(*child) > 0) {
        current = i;
        ends[i] = 0;
        child_index = 0;
        looked_up = false;
        continue;
      }
    } else if (ts_subtree_visible_child_count(*child) > 0) {
      // Or into a hidden one holding visible nodes.
      if (hidden_depth == size) {
        Hidden *grown = realloc(hidden, 2 * size * sizeof(Hidden));
        if (!grown) {
          ok = false;
          break;
        }
        hidden = grown;
        size *= 2;
      }
      // A hidden extra breaks the climb for a field.
      hidden[hidden_depth++] = (Hidden){
        .slot = child, .owner = current, .extras = 0, .inherited = extra ? 0 : field};
      child_index = 0;
      looked_up = false;
      continue;
    }
    position = length_add(position, ts_subtree_size(*child));
    if (child_index < child_count) {
      position = length_add(position, ts_subtree_padding(children[child_index]));
    }
  }
  free(hidden);
  return ok ? count : 0;
}
