#pragma once

#include "document_controller.h"

#include "ops/stats.h"

#include <QMainWindow>

class ArrayInspector;
class DetailsPanel;
class PytreeFilterProxy;
class PytreeModel;
class StartPage;
class StepListModel;
class QDockWidget;
class QCheckBox;
class QComboBox;
class QFrame;
class QLabel;
class QLineEdit;
class QMenu;
class QProgressBar;
class QSettings;
class QSplitter;
class QStackedWidget;
class QToolButton;
class QTreeView;
template <typename T> class QFutureWatcher;

/// The checkpoint-studio window: start page, pytree browser with filters, array inspector and
/// details. Files open through DocumentController on a worker; a progress bar with Cancel sits in
/// the status bar; errors appear in a banner above the views, never in a modal box.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    /// `settings` holds the recent files; null uses the application's default QSettings.
    explicit MainWindow(QSettings *settings = nullptr, QWidget *parent = nullptr);
    ~MainWindow() override;

    void openPath(const QString &path, const ckpt::OpenOptions &options = {});
    /// Opens another step of the current run; false when the current checkpoint is not in a run.
    bool openStep(const QString &step);
    /// Opens the bundled demo; false when no demo is installed.
    bool openDemo();
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

    DocumentController *document() const { return m_document; }
    PytreeModel *treeModel() const { return m_model; }
    PytreeFilterProxy *filterProxy() const { return m_proxy; }
    QTreeView *treeView() const { return m_tree; }
    QLineEdit *filterEdit() const { return m_filter; }
    QCheckBox *regexBox() const { return m_regex; }
    QComboBox *dtypeCombo() const { return m_dtype; }
    ArrayInspector *inspector() const { return m_inspector; }
    DetailsPanel *details() const { return m_details; }
    StartPage *startPage() const { return m_start; }
    StepListModel *stepModel() const { return m_stepModel; }
    QDockWidget *stepsDock() const { return m_stepsDock; }
    QTreeView *stepView() const { return m_stepView; }
    QSplitter *mainSplitter() const { return m_split; }
    /// Text of the error banner; empty when it is hidden.
    QString errorText() const;
    QString statusText() const;

public slots:
    void openFileDialog();
    void openFolderDialog();
    void expandAll();
    void collapseAll();
    void computeAllStats();
    void cancelWork();

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void createActions();
    QWidget *createBrowser();
    void onOpened(const CheckpointPtr &checkpoint);
    void onFailed(const QString &path, const ckpt::Error &error);
    void onSelectionChanged();
    void applyFilter();
    void expandMatches();
    void showError(const QString &text);
    void updateBusyUi();
    void rebuildRecentMenu();

    QSettings *m_settings;
    DocumentController *m_document;
    PytreeModel *m_model;
    PytreeFilterProxy *m_proxy;
    QStackedWidget *m_pages;
    StartPage *m_start;
    QSplitter *m_split;
    QTreeView *m_tree;
    QLineEdit *m_filter;
    QCheckBox *m_regex;
    QComboBox *m_dtype;
    QLabel *m_matches;
    ArrayInspector *m_inspector;
    DetailsPanel *m_details;
    QFrame *m_errorBanner;
    QLabel *m_errorLabel;
    QLabel *m_status;
    QProgressBar *m_progress;
    QToolButton *m_cancel;
    StepListModel *m_stepModel;
    QDockWidget *m_stepsDock;
    QTreeView *m_stepView;
    QMenu *m_recentMenu;
    QAction *m_reopenAction;
    QFutureWatcher<std::pair<const ckpt::Node *, ckpt::ArrayStats>> *m_allStats = nullptr;
    QString m_openingPath;
};
