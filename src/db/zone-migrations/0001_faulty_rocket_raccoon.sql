CREATE TABLE `assignments` (
	`id` text PRIMARY KEY NOT NULL,
	`delivery_id` text NOT NULL,
	`status` text NOT NULL,
	`data` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `assignments_status` ON `assignments` (`status`);--> statement-breakpoint
CREATE TABLE `offers` (
	`id` text PRIMARY KEY NOT NULL,
	`delivery_id` text NOT NULL,
	`driver_id` text NOT NULL,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`data` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `offers_driver` ON `offers` (`driver_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `offers_delivery` ON `offers` (`delivery_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `offers_status` ON `offers` (`status`);--> statement-breakpoint
ALTER TABLE `deliveries` ADD `status` text DEFAULT 'ready' NOT NULL;--> statement-breakpoint
CREATE INDEX `deliveries_status` ON `deliveries` (`status`);