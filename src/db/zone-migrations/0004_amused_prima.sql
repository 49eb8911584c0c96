CREATE TABLE `delivery_events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`payload` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `delivery_sends` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`subscription_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	`payload` text NOT NULL,
	`attempts` integer NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`first_attempt_at` integer,
	`last_error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `delivery_sends_event` ON `delivery_sends` (`subscription_id`,`event_id`);--> statement-breakpoint
CREATE INDEX `delivery_sends_chain` ON `delivery_sends` (`subscription_id`,`delivery_id`,`seq`);--> statement-breakpoint
CREATE INDEX `delivery_sends_due` ON `delivery_sends` (`next_attempt_at`);