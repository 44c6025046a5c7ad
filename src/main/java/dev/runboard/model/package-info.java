/**
 * Records exchanged between areas and sent as JSON (camelCase field names): run summaries and counters.
 * Depends on nothing of Runboard's.
 */
package dev.runboard.model;
