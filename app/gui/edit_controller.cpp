#include "edit_controller.h"

EditController::EditController(QObject *parent)
    : QObject(parent)
{ }
