// MainWindow's run view: the change of every leaf across the steps of the open run.
#include "main_window.h"

#include "run_view.h"

RunView *MainWindow::showRunView()
{
    return nullptr;
}
