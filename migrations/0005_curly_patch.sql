CREATE TABLE `delivery_costs` (
	`delivery_id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`zone_id` text NOT NULL,
	`driver_id` text NOT NULL,
	`driver_payment` real NOT NULL,
	`currency` text NOT NULL,
	`delivered_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `delivery_costs_org_time` ON `delivery_costs` (`org_id`,`delivered_at`);--> statement-breakpoint
CREATE INDEX `delivery_costs_org_zone_time` ON `delivery_costs` (`org_id`,`zone_id`,`delivered_at`);--> statement-breakpoint
CREATE INDEX `audit_org_type_time` ON `delivery_audit_logs` (`org_id`,`event_type`,`timestamp`);