#pragma once

class EditController;
class PytreeBrowser;
class QWidget;

/// Wires the pytree view of `browser` to the repair session `edits`: renames, moves, deletes and
/// grafts the browser asks for (F2, Delete, drag and drop) become edits, and the tree's context
/// menu gets Rename, Delete, Move to, Cast to, Add leaf, Set value and Graft from, whose dialogs
/// open over `dialogParent`. Every action pushes at most one edit::Operation. UI-thread only.
void installTreeEditActions(PytreeBrowser *browser, EditController *edits, QWidget *dialogParent);
