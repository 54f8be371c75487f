/**
 * Notifications: {@link dev.jitaccess.notify.WebhookNotifier} posts one signed JSON document (or a Slack message)
 * per transition the engine makes, off the engine's threads, and {@link dev.jitaccess.notify.WebhookSignature}
 * lets a receiver check that a delivery is genuine and fresh. Only the JDK is used ({@code java.net.http}).
 */
package dev.jitaccess.notify;
