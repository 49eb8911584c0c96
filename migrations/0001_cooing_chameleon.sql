CREATE TABLE `unassigned_orders` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`zone_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	`seller_order_id` text NOT NULL,
	`location` text NOT NULL,
	`failure_reason` text NOT NULL,
	`first_attempt_at` text NOT NULL,
	`last_attempt_at` text NOT NULL,
	`attempt_count` integer NOT NULL,
	`escalation_level` integer NOT NULL,
	`escalation_status` text NOT NULL,
	`support_ticket_id` text,
	`notification_sent_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `unassigned_delivery` ON `unassigned_orders` (`delivery_id`);--> statement-breakpoint
CREATE INDEX `unassigned_org_level` ON `unassigned_orders` (`org_id`,`escalation_level`);--> statement-breakpoint
CREATE INDEX `unassigned_org_zone` ON `unassigned_orders` (`org_id`,`zone_id`);