#pragma once

#include "document_controller.h"

#include <QMainWindow>

class AllStatsJob;
class ApplyTargetDialog;
class ArrayInspector;
class DetailsPanel;
class DiffView;
class EditController;
class ExportDialog;
class ErrorBanner;
class PytreeBrowser;
class PytreeModel;
class RunView;
class StartPage;
class StatusArea;
class StepsDock;
class QMenu;
class QMimeData;
class QSettings;
class QSplitter;
class QStackedWidget;

/// The checkpoint-studio window: start page, pytree browser with filters, array inspector and
/// details. Files open through DocumentController on a worker; a progress bar with Cancel sits in
/// the status bar; errors appear in a banner above the views, never in a modal box.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    /// `settings` holds the recent files and the window layout; null uses the application's default QSettings.
    explicit MainWindow(QSettings *settings = nullptr, QWidget *parent = nullptr);
    ~MainWindow() override;

    void openPath(const QString &path, const ckpt::OpenOptions &options = {});
    /// Opens another step of the current run; false when the current checkpoint is not in a run.
    bool openStep(const QString &step);
    /// Opens the bundled demo; false when no demo is installed.
    bool openDemo(const ckpt::OpenOptions &options = {});
    /// Selects, reveals and inspects the node at `a/b/c`; false when there is no such node.
    bool selectKeyPath(const QString &keyPath);
    /// Reopens the most recent checkpoint; false when there is none.
    bool reopenLast();
    void showStartPage();
    bool isStartPageShown() const;

    /// True while an open, a statistics run, a heatmap or table block is being computed.
    bool isBusy() const;
    /// Runs the event loop until !isBusy() or `timeoutMs` passes; returns !isBusy().
    bool waitUntilIdle(int timeoutMs);
    /// Renders the window with QWidget::grab() into a PNG file.
    bool saveScreenshot(const QString &file);

    /// Copies the selected node's path (`a/b/c`, or Python `['a']['b']` form) and returns it.
    QString copySelectedPath(bool python);

    /// Restores the geometry, dock state and splitter positions saved by the last closed window;
    /// false when none were saved. Not called for --screenshot, which keeps the default layout.
    bool restoreLayout();
    /// Saves what restoreLayout() restores; called when the window closes.
    void saveLayout();

    DocumentController *document() const { return m_document; }
    PytreeBrowser *browser() const { return m_browser; }
    ArrayInspector *inspector() const { return m_inspector; }
    DetailsPanel *details() const { return m_details; }
    StartPage *startPage() const { return m_start; }
    StepsDock *stepsDock() const { return m_stepsDock; }
    /// Text of the error banner; empty when it is hidden.
    QString errorText() const;
    QString statusText() const;

    /// Opens (or reuses) the diff window comparing the open checkpoint (A) with `path` (B, opened on
    /// the diff's worker); null when nothing is open.
    DiffView *diffWith(const QString &path, const ckpt::OpenOptions &options = {});
    /// Diffs the open step (A) with `step` of the same run (B); null when no run is open.
    DiffView *diffWithStep(const QString &step);
    DiffView *diffView() const { return m_diffView; }
    /// Shows (or raises) the run view of the open run: leaves by steps and update norms over steps
    /// (main_window_run.cpp); null when the open checkpoint is not in a run.
    RunView *showRunView();
    RunView *runView() const { return m_runView; }
    /// The repair session of the open checkpoint: undo stack, edit actions, recipes
    /// (edit_controller.h, wired in main_window_edit.cpp).
    EditController *edits() const { return m_edits; }
    /// Edit > Preview changes: a diff window of the original against the edited checkpoint;
    /// null (with an error) when there are no edits. Edit > Apply target structure: the dialog,
    /// whose accepted operation is pushed; null when nothing is open. File > New window.
    DiffView *previewEdits();
    ApplyTargetDialog *showApplyTargetDialog();
    MainWindow *openNewWindow();
    /// Shows the export dialog for the open checkpoint; null when nothing is open.
    ExportDialog *showExportDialog();

public slots:
    void openFileDialog();
    void openFolderDialog();
    /// Asks for a gs://, s3:// or http(s):// URL and opens it.
    void openUrlDialog();
    void expandAll();
    void collapseAll();
    void computeAllStats();
    void cancelWork();
    void diffWithFileDialog();
    void diffWithFolderDialog();

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

public:
    /// What a drop holds that openPath() can open: a local file or folder, or a storage URL (as
    /// a URL or as text); empty otherwise.
    static QString droppedLocation(const QMimeData *mime);

private:
    void createActions();
    /// The Edit menu, history dock and tree edit actions (main_window_edit.cpp).
    void createEditActions();
    QWidget *createBrowser();
    void onOpened(const CheckpointPtr &checkpoint);
    void onFailed(const QString &path, const ckpt::Error &error);
    void showError(const QString &text);
    void updateBusyUi();
    void rebuildRecentMenu();

    QSettings *m_settings;
    DocumentController *m_document;
    PytreeBrowser *m_browser = nullptr;
    QStackedWidget *m_pages;
    StartPage *m_start;
    QSplitter *m_split = nullptr;
    QSplitter *m_rightSplit = nullptr;
    ArrayInspector *m_inspector = nullptr;
    DetailsPanel *m_details = nullptr;
    ErrorBanner *m_errorBanner;
    StatusArea *m_status;
    StepsDock *m_stepsDock;
    QMenu *m_recentMenu = nullptr;
    QAction *m_reopenAction = nullptr;
    AllStatsJob *m_allStats = nullptr;
    DiffView *m_diffView = nullptr;
    RunView *m_runView = nullptr;
    EditController *m_edits = nullptr;
    ExportDialog *m_exportDialog = nullptr;
    QString m_openingPath;
};
