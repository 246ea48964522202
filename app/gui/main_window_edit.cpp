// MainWindow's Edit menu, history dock and the tree's edit actions.
#include "main_window.h"

#include "edit_controller.h"

void MainWindow::createEditActions() { }
