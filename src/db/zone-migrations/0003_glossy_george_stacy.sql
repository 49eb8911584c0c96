CREATE TABLE `webhook_queue` (
	`id` text PRIMARY KEY NOT NULL,
	`payload` text NOT NULL,
	`attempts` integer NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`first_attempt_at` integer,
	`last_error` text
);
--> statement-breakpoint
CREATE INDEX `webhook_queue_due` ON `webhook_queue` (`next_attempt_at`);