/**
 * The records and enums exchanged between areas, on the event bus and on the wire (camelCase JSON through
 * Jackson): run summaries and counters, results and files, statuses, and the {@link dev.runboard.model.RunEvent}
 * hierarchy. Depends on nothing of Runboard's.
 */
package dev.runboard.model;
