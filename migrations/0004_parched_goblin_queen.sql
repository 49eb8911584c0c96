CREATE TABLE `delivery_webhook_dead_letters` (
	`subscription_id` text NOT NULL,
	`event_id` text NOT NULL,
	`org_id` text NOT NULL,
	`zone_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	`event_type` text NOT NULL,
	`payload` text NOT NULL,
	`attempts` integer NOT NULL,
	`last_error` text NOT NULL,
	`first_attempt_at` text NOT NULL,
	`failed_at` text NOT NULL,
	PRIMARY KEY(`subscription_id`, `event_id`)
);
--> statement-breakpoint
CREATE INDEX `delivery_dead_letters_sub` ON `delivery_webhook_dead_letters` (`subscription_id`,`failed_at`);--> statement-breakpoint
CREATE TABLE `delivery_webhook_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`url` text NOT NULL,
	`secret` text NOT NULL,
	`events` text NOT NULL,
	`enabled` integer NOT NULL,
	`disabled_reason` text,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `delivery_subscriptions_org` ON `delivery_webhook_subscriptions` (`org_id`,`created_at`);