CREATE TABLE `tracking_tokens` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`order_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	`zone_id` text NOT NULL
);
