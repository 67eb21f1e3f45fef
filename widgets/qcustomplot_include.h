#pragma once
// qcustomplot.h is written with Qt's keywords (signals, foreach), which QT_NO_KEYWORDS turns off
// for our code; lend them to that one header only. Include QCustomPlot through this file.
#include <QObject>
#include <QtGlobal>

#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef emit
#undef foreach
