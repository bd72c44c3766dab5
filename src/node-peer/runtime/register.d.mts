// register.mjs runs for its effect (installing module hooks) and exports nothing.
export {};
