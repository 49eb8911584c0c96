CREATE TABLE `driver_deliveries` (
	`delivery_id` text PRIMARY KEY NOT NULL,
	`driver_id` text NOT NULL,
	`delivered_at` text NOT NULL,
	`on_time` integer,
	`earning_cents` integer NOT NULL,
	`rating` integer
);
--> statement-breakpoint
CREATE INDEX `driver_deliveries_driver` ON `driver_deliveries` (`driver_id`,`delivered_at`);