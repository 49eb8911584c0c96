CREATE TABLE `org_settings` (
	`org_id` text PRIMARY KEY NOT NULL,
	`ops_webhook_url` text,
	`ops_webhook_secret` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `support_tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`zone_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	`seller_order_id` text NOT NULL,
	`priority` text NOT NULL,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`resolved_at` text,
	`resolved_by` text,
	`resolution` text
);
--> statement-breakpoint
CREATE INDEX `tickets_org_status` ON `support_tickets` (`org_id`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `tickets_delivery` ON `support_tickets` (`delivery_id`);--> statement-breakpoint
CREATE TABLE `webhook_dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`zone_id` text NOT NULL,
	`event_type` text NOT NULL,
	`payload` text NOT NULL,
	`attempts` integer NOT NULL,
	`last_error` text NOT NULL,
	`first_attempt_at` text NOT NULL,
	`failed_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dead_letters_org` ON `webhook_dead_letters` (`org_id`,`failed_at`);