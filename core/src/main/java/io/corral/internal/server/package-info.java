/**
 * The connection engine shared by the worker models: blocking connection serving for the sync and
 * virtual workers, the access log, error responses. Not exported to applications.
 */
package io.corral.internal.server;
